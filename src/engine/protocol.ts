/**
 * Every message that crosses a thread boundary — main ↔ shard worker, main ↔ feed normaliser — as discriminated
 * unions. Nothing else is posted between threads. CDR traffic never crosses them: each thread has its own NATS
 * and Postgres connections.
 */
import type { Config } from '../config/index.js';
import type { WorkerMetricsReport } from '../metrics/index.js';
import type { CallerStats, RuleSettings } from '../windows/index.js';

export type WorkerState = 'starting' | 'replaying' | 'ready' | 'failed' | 'stopping';

/** Passed as `workerData` when a shard worker starts. */
export interface WorkerStartup {
  workerId: number;
  partitions: number[];
  config: Config;
  natsUrl: string;
  databaseUrl: string;
  rules: RuleSettings;
  /** Names of the JetStream streams (overridable so tests can isolate themselves). */
  streams: { cdr: string; dlq: string; alerts: string };
  /** `sink_offsets.consumer` and the durable consumer prefix. */
  consumerGroup: string;
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
}

export type MainToWorker =
  | { type: 'rules'; rules: RuleSettings }
  | { type: 'caller-query'; requestId: number; caller: number; partition: number }
  | { type: 'wait-applied'; requestId: number; partition: number; seq: number; timeoutMs: number }
  | { type: 'shutdown' };

export type WorkerToMain =
  | { type: 'state'; state: WorkerState; detail?: string }
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
