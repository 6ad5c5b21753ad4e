/** The validated configuration every other module receives (read once by `loadConfig`). */
import type { FeedConfig } from './feed-config.js';
import type { SourceHealthConfig } from './source-config.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface SdhfThresholds {
  /** Alert when distinct callees in the window is strictly greater than this. @default 50 */
  minDistinctCallees: number;
  /** Alert when the average call duration in the window is strictly below this. @default 3.0 */
  maxAvgDurationSeconds: number;
}

export interface Config {
  environment: 'production' | 'development' | 'test';
  logLevel: LogLevel;
  logFormat: 'json' | 'pretty';
  /** Absent: the engine starts its own nats-server child (embedded mode). */
  natsUrl: string | undefined;
  natsDataDir: string;
  /** Absent: the engine starts an embedded Postgres. */
  databaseUrl: string | undefined;
  databasePoolMinSize: number;
  databasePoolMaxSize: number;
  postgresDataDir: string;
  httpHost: string;
  httpPort: number;
  /** Number of CDR stream partitions, fixed per deployment. @default 16 */
  partitions: number;
  /** Shard worker threads in this process. @default available cores */
  workers: number;
  /** This instance in logs, metrics and `sink_offsets.owner` (a unique token is added per process). @default hostname */
  instanceName: string;
  /**
   * Partition lease term: an instance that stops renewing loses its partitions this long after its last
   * renewal, and another takes them over. @default 6 s
   */
  leaseTtlMs: number;
  /** NATS KV bucket of the partition leases and member heartbeats. @default SENTINEL_OWNERSHIP */
  ownershipBucket: string;
  /** Sliding window lengths, ascending. @default [10 min, 1 h, 24 h] */
  windowsMs: number[];
  /** @default 5 min */
  allowedLatenessMs: number;
  sdhf: SdhfThresholds;
  /** A new alert for an open (caller, rule, window) only after this long, unless severity escalates. @default 1 h */
  alertCooldownMs: number;
  /** Numbers or prefixes (ending in `*`) that never alert. */
  allowlist: string[];
  /** Case lifecycle defaults (docs/adr/0010-cases.md); rule settings stored through the API override them. */
  cases: {
    /** A case closes after its rule was unmet in every window this long (event time). @default 1 h */
    quietPeriodMs: number;
    /** A case met again this soon after closing is reopened, not a new one. @default 24 h */
    reopenWithinMs: number;
    /** An open case reports moved figures at most this often. @default 1 h */
    updateEveryMs: number;
  };
  /** Stream retention of `CDR`. @default 26 h */
  cdrMaxAgeMs: number;
  /** JetStream duplicate window for `Nats-Msg-Id`. @default 2 min */
  duplicateWindowMs: number;
  /** Recent call_ids remembered per worker for dedup. @default 1,000,000 */
  dedupCapacity: number;
  sink: {
    batchMaxRows: number;
    flushIntervalMs: number;
    /** Rows buffered per worker before it stops pulling from JetStream. */
    maxBufferedRows: number;
    retryBaseMs: number;
    retryMaxMs: number;
    breakerFailureThreshold: number;
    breakerResetMs: number;
  };
  /** Days of call_records partitions kept. @default 30 */
  retentionDays: number;
  /** Closed cases (and their case_events) untouched for this many days are deleted. @default 180 */
  caseRetentionDays: number;
  /** Dead letters received more than this many days ago are deleted. @default 30 */
  deadLetterRetentionDays: number;
  /** Daily partitions created ahead of today. @default 3 */
  partitionsAheadDays: number;
  shutdownTimeoutMs: number;
  /** `nats`: a replicated object store any instance can read (`CHECKPOINT_BUCKET`); `local`: files in `checkpointDir`. @default nats */
  checkpointStore: 'nats' | 'local';
  /** NATS object store bucket of the checkpoints. @default SENTINEL_CHECKPOINTS */
  checkpointBucket: string;
  /** Where partition checkpoints are written with `checkpointStore: local` (one folder per group). @default .data/checkpoints */
  checkpointDir: string;
  /** How often each partition is checkpointed; undefined (`off`) replays 24 h on every start. @default 5 min */
  checkpointIntervalMs: number | undefined;
  auth: {
    /** `name:sha256hex[:role]` entries (from API_KEYS and API_KEYS_FILE). */
    apiKeyHashes: ApiKeyEntry[];
    /** Role of a key configured without one and of a JWT without a `role` claim. @default viewer */
    defaultRole: 'viewer' | 'analyst' | 'admin';
    jwtSecret: string | undefined;
    jwtPublicKey: string | undefined;
    jwtIssuer: string | undefined;
    jwtAudience: string | undefined;
  };
  rateLimit: { ingestPerMinute: number; detectPerMinute: number };
  ingestMaxBytes: number;
  websocket: { heartbeatMs: number; clientQueueMax: number };
  /** Unreviewed LOW cases older than this are marked reviewed by the system; undefined (`off`) turns it off. @default 7 d */
  lowAlertAutoReviewAfterMs: number | undefined;
  /** A `false_positive` verdict suppresses new cases for the suspect this long. @default 7 d */
  falsePositiveSuppressionMs: number;
  /** Feed the synthetic demo day through NATS after start-up. @default true in embedded mode */
  demo: boolean;
  demoSubscribers: number;
  /**
   * `per-partition`: a CDR stream per partition (CDR_P00 …); `single`: the v1 stream CDR on cdr.in.*; `auto`:
   * keep `single` where the v1 stream exists, else `per-partition`. @default auto
   */
  cdrStreamLayout: 'auto' | 'per-partition' | 'single';
  /** Replicas of the JetStream streams, the ownership KV and the checkpoint bucket (3 on a NATS cluster). @default 1 */
  /** Input profiles served on `cdr.feed.<profile>` and what they need (FEED_* keys, docs/feeds.md). */
  feed: FeedConfig;
  /** Per-source metric labels and the rejected-share health check (SOURCE_* keys). */
  sources: SourceHealthConfig;
  /** Replicas of the JetStream streams (3 on a NATS cluster). @default 1 */
  streamReplicas: number;
  /** PATH, where the embedded mode looks for `nats-server`. */
  searchPath: string | undefined;
  /**
   * Fault injection for crash tests, never for production: a shard worker SIGKILLs the process right after its
   * n-th commit that stored alerts or case events, before publishing them.
   */
  faultKillAfterCommit: number | undefined;
}

/** One configured API key: its name, the SHA-256 of the key, and its role when the entry names one. */
export interface ApiKeyEntry {
  name: string;
  sha256: string;
  role: 'viewer' | 'analyst' | 'admin' | undefined;
}
