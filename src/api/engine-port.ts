/**
 * What the HTTP API needs from the running engine. The API never reaches into shard workers, NATS consumers
 * or window state directly: it asks through this port, which the engine (`src/engine`) implements. Keeping
 * the surface this small lets the API be tested against a stand-in and lets the engine change its threading
 * without touching a route.
 */
import type { SourceHealthSnapshot } from '../metrics/index.js';
import type { CaseEventMessage } from '../stream/index.js';
import type { AlertMessage, Severity } from '../windows/index.js';

/** An alert as the ALERTS stream carries it: the alert contract, plus its `fraud_alerts` id once committed. */
export type FeedAlert = AlertMessage & { id?: number };

/** A caller's live statistics in one sliding window, as its owning worker holds them. */
export interface CallerWindowView {
  windowSeconds: number;
  callCount: number;
  uniqueDestinations: number;
  totalDurationSeconds: number;
  avgDurationSeconds: number;
  /** ISO-8601, or null when the window holds no event. */
  firstEventAt: string | null;
  lastEventAt: string | null;
}

/** Everything the owning worker knows about one caller right now. */
export interface CallerView {
  /** Caller digits, no `+`. */
  number: string;
  partition: number;
  worker: number;
  allowlisted: boolean;
  windows: CallerWindowView[];
  openEpisodes: {
    rule: string;
    windowSeconds: number;
    severity: Severity;
    episodeKey: string;
    openedAt: string;
  }[];
}

export interface WorkerHealth {
  id: number;
  state: 'starting' | 'replaying' | 'ready' | 'failed' | 'stopping';
  partitions: number[];
  restarts: number;
  bufferedRows: number;
  sinkCircuit: 'closed' | 'open' | 'half-open';
  /** Messages not yet delivered to each partition's consumer, keyed by partition number. */
  consumerPending: Record<string, number>;
  window: { callers: number; eventsHeld: number; bytes: number };
}

export interface EngineHealth {
  nats: { connected: boolean; url: string };
  workers: WorkerHealth[];
  /** True when every worker is `ready` (replay finished). */
  ready: boolean;
  /** Per-source (switch) records, rejected share, late records and clock skew over the recent window. */
  sources: SourceHealthSnapshot;
}

/** The run-time rule settings: persisted by the API in Postgres, then pushed to every worker. */
export interface RuleSettingsDoc {
  thresholds: { windowSeconds: number; minUniqueDestinations: number; maxAvgDurationSeconds: number }[];
  /** Numbers or prefixes ending in `*`, digits only (no `+`). */
  allowlist: string[];
  cooldownSeconds: number;
  /** Case lifecycle; absent = the configuration's defaults. */
  cases?: { quietPeriodSeconds: number; reopenWithinSeconds: number; updateEverySeconds: number };
  /** Suspects under a false-positive suppression: digits (no `+`) and the end of the suppression (epoch ms). */
  suppressions?: { number: string; untilMs: number }[];
}

export interface EnginePort {
  /** The caller's live view from the worker that owns its partition; undefined when no worker here owns it. */
  callerView(callerDigits: string): Promise<CallerView | undefined>;
  /** Publishes CDR JSON records to the CDR stream (same path as switch traffic). */
  publishCdrs(
    records: readonly Record<string, unknown>[],
  ): Promise<{ published: number; duplicates: number }>;
  /** Publishes one record and waits (bounded) until its owning worker has applied it; then returns the caller's view. */
  submitAndView(record: Record<string, unknown>, callerDigits: string): Promise<CallerView | undefined>;
  /** Tell every worker (and other instances) to use these settings now; the API persists them first. */
  applyRules(settings: RuleSettingsDoc): Promise<void>;
  health(): Promise<EngineHealth>;
  /** Alerts as the pipeline publishes them (the feed), each once. Returns an unsubscribe function. */
  onAlert(listener: (alert: FeedAlert) => void): () => void;
  /** Case events as the pipeline publishes them after their commit (the feed), each once. */
  onCaseEvent(listener: (event: CaseEventMessage) => void): () => void;
}
