/**
 * Every message that crosses a thread boundary — main ↔ shard worker, main ↔ feed normaliser — as discriminated
 * unions. Nothing else is posted between threads. CDR traffic never crosses them: each thread has its own NATS
 * and Postgres connections.
 */
import type { Config } from '../config/index.js';
import type { CdrLayoutKind } from '../stream/index.js';
import type { WorkerMetricsReport } from '../metrics/index.js';
import type { CallerStats, RuleSettings } from '../windows/index.js';

/** A worker as a whole: its connections are up (`ready`) or it is on its way there or out. */
export type WorkerState = 'starting' | 'ready' | 'failed' | 'stopping';

/**
 * One partition inside a worker: `opening` (claiming it in Postgres, restoring, positioning the consumer),
 * `replaying` (rebuilding windows up to the stream's end at opening), `ready`, then one of the ends:
 * `released` (handed off or dropped), `fenced` (a newer owner claimed it), `failed` (could not open; retried).
 */
export type PartitionState = 'opening' | 'replaying' | 'ready' | 'released' | 'fenced' | 'failed';

/** Passed as `workerData` when a shard worker starts. */
export interface WorkerStartup {
  workerId: number;
  config: Config;
  natsUrl: string;
  databaseUrl: string;
  rules: RuleSettings;
  /** Names of the JetStream streams (overridable so tests can isolate themselves), and the CDR layout. */
  streams: { cdr: string; dlq: string; alerts: string; cdrLayout: CdrLayoutKind };
  /** `sink_offsets.consumer` and the durable consumer prefix. */
  consumerGroup: string;
  /** This process in `sink_offsets.owner`: instance name and its unique token. */
  owner: string;
}

/** One caller's live windows and open episodes, from the worker that owns its partition. */
export interface CallerSnapshot {
  partition: number;
  worker: number;
  stats: CallerStats;
}

export interface WorkerHealthReport {
  bufferedRows: number;
  sinkCircuit: 'closed' | 'open' | 'half-open';
  consumerPending: Record<string, number>;
  window: { callers: number; eventsHeld: number; bytes: number };
  /** Newest event time the worker's windows have seen (epoch ms), 0 before the first. */
  lastEventTimeMs: number;
  /** Wall-clock time (epoch ms) the worker last evaluated a live CDR, 0 before the first. */
  lastEvaluatedAtMs: number;
}

export type MainToWorker =
  | { type: 'rules'; rules: RuleSettings }
  | { type: 'assign'; partition: number; epoch: number }
  | { type: 'release'; partition: number }
  | { type: 'drop'; partition: number }
  | { type: 'caller-query'; requestId: number; caller: number; partition: number }
  | { type: 'wait-applied'; requestId: number; partition: number; seq: number; timeoutMs: number }
  | { type: 'shutdown' };

export type WorkerToMain =
  | { type: 'state'; state: WorkerState; detail?: string }
  | { type: 'partition'; partition: number; state: PartitionState; detail?: string }
  | { type: 'metrics'; report: WorkerMetricsReport; health: WorkerHealthReport }
  | { type: 'caller-result'; requestId: number; snapshot: CallerSnapshot | undefined }
  | { type: 'applied'; requestId: number; applied: boolean }
  | { type: 'stopped' };

/** Passed as `workerData` when the feed normaliser thread starts. */
export interface FeedStartup {
  /** Carries `feed` (profiles, mapping files already parsed, zone, numbering plan). */
  config: Config;
  natsUrl: string;
  databaseUrl: string;
  /** Names of the JetStream streams (overridable so tests can isolate themselves). */
  streams: { feed: string };
  /** Prefix of the shared feed consumers' durable names. */
  consumerGroup: string;
}

export type MainToFeed = { type: 'shutdown' };

export type FeedToMain =
  | { type: 'state'; state: WorkerState; detail?: string }
  | { type: 'metrics'; report: WorkerMetricsReport }
  | { type: 'stopped' };
