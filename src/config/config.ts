/**
 * The engine's configuration: read once from the environment at start-up, validated here, then passed
 * down. No other module reads `process.env`. Names follow the predecessor's where they exist
 * (DATABASE_URL, DATABASE_POOL_MAX_SIZE, LOG_LEVEL, ENVIRONMENT). Every key is documented in docs/config.md.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { defaultFeedDelayMs } from '../windows/index.js';
import { ConfigError } from './config-error.js';
import { LOG_LEVELS, type ApiKeyEntry, type Config } from './config-types.js';
import { loadFeedConfig } from './feed-config.js';
import { loadSourceConfig } from './source-config.js';
import {
  parseBoolean,
  parseDurationList,
  parseDurationMs,
  parseEnum,
  parseInteger,
  parseList,
  parseNumber,
  parseUrl,
} from './env-parsers.js';

type Env = Record<string, string | undefined>;

/** Longest case period accepted (the engine's own limit, `MAX_CASE_PERIOD_MS` in src/windows): a year. */
const MAX_CASE_PERIOD_MS = 366 * 86_400_000;

/** A name that can go into NATS KV keys and logs: letters, digits, `-` and `_`, at most 64. */
function parseName(key: string, raw: string): string {
  const name = raw.trim();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name))
    throw new ConfigError(key, raw, 'letters, digits, - and _ (1 to 64)');
  return name;
}

/** A JetStream KV / object store bucket name. */
function parseBucket(key: string, raw: string): string {
  const name = raw.trim();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name))
    throw new ConfigError(key, raw, 'a bucket name: letters, digits, - and _');
  return name;
}

function parseDurationInRange(key: string, raw: string, minMs: number, maxMs: number): number {
  const ms = parseDurationMs(key, raw);
  if (ms < minMs || ms > maxMs)
    throw new ConfigError(key, raw, `a duration from ${minMs / 1_000}s to ${maxMs / 1_000}s`);
  return ms;
}

function read(env: Env, key: string): string | undefined {
  const value = env[key];
  return value === undefined || value.trim() === '' ? undefined : value;
}

function readFileKey(env: Env, key: string, readFile: (path: string) => string): string | undefined {
  const direct = read(env, key);
  if (direct !== undefined) return direct;
  const path = read(env, `${key}_FILE`);
  if (path === undefined) return undefined;
  try {
    return readFile(path).trim();
  } catch {
    throw new ConfigError(`${key}_FILE`, path, 'a readable file');
  }
}

const API_ROLES = ['viewer', 'analyst', 'admin'] as const;

/** `name:sha256hex` or `name:sha256hex:role`; an entry without a role gets AUTH_DEFAULT_ROLE. */
function parseApiKeys(key: string, raw: string): ApiKeyEntry[] {
  return parseList(raw).map((entry) => {
    const match = /^([A-Za-z0-9_.-]{1,64}):([0-9a-f]{64})(?::([a-z]+))?$/.exec(entry);
    if (!match) {
      throw new ConfigError(
        key,
        '<redacted>',
        'entries name:sha256hex or name:sha256hex:role (64 lowercase hex digits; role viewer, analyst or admin)',
      );
    }
    const role = match[3];
    if (role !== undefined && !(API_ROLES as readonly string[]).includes(role)) {
      throw new ConfigError(key, `<redacted>:${role}`, `a role of ${API_ROLES.join(', ')} after the hash`);
    }
    return { name: match[1]!, sha256: match[2]!, role: role as ApiKeyEntry['role'] };
  });
}

/** A duration, or `off` (undefined). */
function parseDurationOrOff(key: string, raw: string, minMs: number): number | undefined {
  if (raw.trim().toLowerCase() === 'off') return undefined;
  const ms = parseDurationMs(key, raw);
  if (ms < minMs) throw new ConfigError(key, raw, `a duration of at least ${minMs / 1_000}s, or off`);
  return ms;
}

/**
 * Reads and validates the configuration. Throws ConfigError naming the first bad key.
 * @param readFile injected so tests can supply secret files without touching disk.
 */
export function loadConfig(env: Env, readFile: (path: string) => string = () => ''): Config {
  const opt = <T>(key: string, parse: (raw: string) => T, fallback: T): T => {
    const raw = read(env, key);
    return raw === undefined ? fallback : parse(raw);
  };
  // A NATS cluster is given as its seed servers, comma-separated; the client fails over between them.
  const natsUrl = opt<string | undefined>(
    'NATS_URL',
    (raw) =>
      parseList(raw)
        .map((url) => parseUrl('NATS_URL', url, ['nats:', 'tls:']))
        .join(','),
    undefined,
  );
  const databaseUrl = opt<string | undefined>(
    'DATABASE_URL',
    (raw) => parseUrl('DATABASE_URL', raw, ['postgres:', 'postgresql:']),
    undefined,
  );
  const embedded = natsUrl === undefined && databaseUrl === undefined;
  const partitions = opt('PARTITIONS', (raw) => parseInteger('PARTITIONS', raw, 1, 1024), 16);
  // Static ownership is gone: a leftover setting would suggest it still decides something.
  for (const key of ['INSTANCE_INDEX', 'INSTANCE_COUNT']) {
    const raw = read(env, key);
    if (raw !== undefined)
      throw new ConfigError(
        key,
        raw,
        'unset: partitions are now claimed through leases (docs/runbook.md, "Scale out/in")',
      );
  }
  const poolMax = opt(
    'DATABASE_POOL_MAX_SIZE',
    (raw) => parseInteger('DATABASE_POOL_MAX_SIZE', raw, 1, 1000),
    10,
  );
  const apiKeyRaw = readFileKey(env, 'API_KEYS', readFile);
  const isTty = process.stdout.isTTY === true;

  const config: Config = {
    environment: opt(
      'ENVIRONMENT',
      (raw) => parseEnum('ENVIRONMENT', raw, ['production', 'development', 'test'] as const),
      'development',
    ),
    logLevel: opt('LOG_LEVEL', (raw) => parseEnum('LOG_LEVEL', raw, LOG_LEVELS), 'info'),
    logFormat: opt(
      'LOG_FORMAT',
      (raw) => parseEnum('LOG_FORMAT', raw, ['json', 'pretty'] as const),
      isTty ? 'pretty' : 'json',
    ),
    natsUrl,
    natsDataDir: read(env, 'NATS_DATA_DIR') ?? '.data/nats',
    databaseUrl,
    databasePoolMinSize: opt(
      'DATABASE_POOL_MIN_SIZE',
      (raw) => parseInteger('DATABASE_POOL_MIN_SIZE', raw, 0, poolMax),
      0,
    ),
    databasePoolMaxSize: poolMax,
    postgresDataDir: read(env, 'POSTGRES_DATA_DIR') ?? '.data/postgres',
    httpHost: read(env, 'HTTP_HOST') ?? '0.0.0.0',
    httpPort: opt('HTTP_PORT', (raw) => parseInteger('HTTP_PORT', raw, 0, 65_535), 8000),
    partitions,
    workers: opt(
      'WORKERS',
      (raw) => parseInteger('WORKERS', raw, 1, 256),
      Math.max(1, availableParallelism()),
    ),
    instanceName: opt('INSTANCE_NAME', (raw) => parseName('INSTANCE_NAME', raw), hostname()),
    leaseTtlMs: opt('LEASE_TTL', (raw) => parseDurationInRange('LEASE_TTL', raw, 2_000, 300_000), 6_000),
    ownershipBucket: opt(
      'OWNERSHIP_BUCKET',
      (raw) => parseBucket('OWNERSHIP_BUCKET', raw),
      'SENTINEL_OWNERSHIP',
    ),
    windowsMs: opt('WINDOWS', (raw) => parseDurationList('WINDOWS', raw), [600_000, 3_600_000, 86_400_000]),
    allowedLatenessMs: opt('ALLOWED_LATENESS', (raw) => parseDurationMs('ALLOWED_LATENESS', raw), 300_000),
    sdhf: {
      minDistinctCallees: opt(
        'SDHF_MIN_UNIQUE_DESTINATIONS',
        (raw) => parseInteger('SDHF_MIN_UNIQUE_DESTINATIONS', raw, 1, 1_000_000),
        50,
      ),
      maxAvgDurationSeconds: opt(
        'SDHF_MAX_AVG_DURATION_SECONDS',
        (raw) => parseNumber('SDHF_MAX_AVG_DURATION_SECONDS', raw, 0.001, 86_400),
        3.0,
      ),
    },
    alertCooldownMs: opt('ALERT_COOLDOWN', (raw) => parseDurationMs('ALERT_COOLDOWN', raw), 3_600_000),
    allowlist: parseList(read(env, 'ALLOWLIST') ?? '').map((entry) => {
      if (!/^\+?\d{1,15}\*?$/.test(entry)) {
        throw new ConfigError('ALLOWLIST', entry, 'comma-separated E.164 numbers or prefixes ending in *');
      }
      return entry.replace(/^\+/, '');
    }),
    cases: {
      quietPeriodMs: opt(
        'CASE_QUIET_PERIOD',
        (raw) => parseDurationInRange('CASE_QUIET_PERIOD', raw, 1_000, MAX_CASE_PERIOD_MS),
        3_600_000,
      ),
      reopenWithinMs: opt(
        'CASE_REOPEN_WITHIN',
        (raw) => parseDurationInRange('CASE_REOPEN_WITHIN', raw, 1_000, MAX_CASE_PERIOD_MS),
        86_400_000,
      ),
      updateEveryMs: opt(
        'CASE_UPDATE_EVERY',
        (raw) => parseDurationInRange('CASE_UPDATE_EVERY', raw, 1_000, MAX_CASE_PERIOD_MS),
        3_600_000,
      ),
    },
    cdrMaxAgeMs: opt('CDR_MAX_AGE', (raw) => parseDurationMs('CDR_MAX_AGE', raw), 26 * 3_600_000),
    duplicateWindowMs: opt('DUPLICATE_WINDOW', (raw) => parseDurationMs('DUPLICATE_WINDOW', raw), 120_000),
    dedupCapacity: opt(
      'DEDUP_CAPACITY',
      (raw) => parseInteger('DEDUP_CAPACITY', raw, 1_000, 100_000_000),
      1_000_000,
    ),
    sink: {
      batchMaxRows: opt(
        'SINK_BATCH_MAX_ROWS',
        (raw) => parseInteger('SINK_BATCH_MAX_ROWS', raw, 1, 1_000_000),
        5_000,
      ),
      flushIntervalMs: opt('SINK_FLUSH_INTERVAL', (raw) => parseDurationMs('SINK_FLUSH_INTERVAL', raw), 250),
      maxBufferedRows: opt(
        'SINK_MAX_BUFFERED_ROWS',
        (raw) => parseInteger('SINK_MAX_BUFFERED_ROWS', raw, 100, 10_000_000),
        50_000,
      ),
      retryBaseMs: opt('SINK_RETRY_BASE', (raw) => parseDurationMs('SINK_RETRY_BASE', raw), 200),
      retryMaxMs: opt('SINK_RETRY_MAX', (raw) => parseDurationMs('SINK_RETRY_MAX', raw), 10_000),
      breakerFailureThreshold: opt(
        'SINK_BREAKER_FAILURES',
        (raw) => parseInteger('SINK_BREAKER_FAILURES', raw, 1, 1_000),
        5,
      ),
      breakerResetMs: opt('SINK_BREAKER_RESET', (raw) => parseDurationMs('SINK_BREAKER_RESET', raw), 5_000),
    },
    retentionDays: opt('RETENTION_DAYS', (raw) => parseInteger('RETENTION_DAYS', raw, 1, 3_650), 30),
    caseRetentionDays: opt(
      'CASE_RETENTION_DAYS',
      (raw) => parseInteger('CASE_RETENTION_DAYS', raw, 1, 3_650),
      180,
    ),
    deadLetterRetentionDays: opt(
      'DEAD_LETTER_RETENTION_DAYS',
      (raw) => parseInteger('DEAD_LETTER_RETENTION_DAYS', raw, 1, 3_650),
      30,
    ),
    partitionsAheadDays: opt(
      'PARTITIONS_AHEAD_DAYS',
      (raw) => parseInteger('PARTITIONS_AHEAD_DAYS', raw, 1, 60),
      3,
    ),
    shutdownTimeoutMs: opt('SHUTDOWN_TIMEOUT', (raw) => parseDurationMs('SHUTDOWN_TIMEOUT', raw), 30_000),
    checkpointStore: opt(
      'CHECKPOINT_STORE',
      (raw) => parseEnum('CHECKPOINT_STORE', raw, ['nats', 'local'] as const),
      'nats',
    ),
    checkpointBucket: opt(
      'CHECKPOINT_BUCKET',
      (raw) => parseBucket('CHECKPOINT_BUCKET', raw),
      'SENTINEL_CHECKPOINTS',
    ),
    checkpointDir: read(env, 'CHECKPOINT_DIR') ?? '.data/checkpoints',
    checkpointIntervalMs: opt<number | undefined>(
      'CHECKPOINT_INTERVAL',
      (raw) => {
        if (raw.trim() === 'off') return undefined;
        const ms = parseDurationMs('CHECKPOINT_INTERVAL', raw);
        if (ms < 1_000)
          throw new ConfigError('CHECKPOINT_INTERVAL', raw, 'a duration of at least 1s, or off');
        return ms;
      },
      300_000,
    ),
    auth: {
      apiKeyHashes: apiKeyRaw === undefined ? [] : parseApiKeys('API_KEYS', apiKeyRaw),
      defaultRole: opt(
        'AUTH_DEFAULT_ROLE',
        (raw) => parseEnum('AUTH_DEFAULT_ROLE', raw, API_ROLES),
        'viewer',
      ),
      jwtSecret: readFileKey(env, 'JWT_SECRET', readFile),
      jwtPublicKey: readFileKey(env, 'JWT_PUBLIC_KEY', readFile),
      jwtIssuer: read(env, 'JWT_ISSUER'),
      jwtAudience: read(env, 'JWT_AUDIENCE'),
    },
    rateLimit: {
      ingestPerMinute: opt(
        'RATE_LIMIT_INGEST_PER_MINUTE',
        (raw) => parseInteger('RATE_LIMIT_INGEST_PER_MINUTE', raw, 1, 1_000_000),
        60,
      ),
      detectPerMinute: opt(
        'RATE_LIMIT_DETECT_PER_MINUTE',
        (raw) => parseInteger('RATE_LIMIT_DETECT_PER_MINUTE', raw, 1, 1_000_000),
        10,
      ),
    },
    ingestMaxBytes: opt(
      'INGEST_MAX_BYTES',
      (raw) => parseInteger('INGEST_MAX_BYTES', raw, 1_024, 2_147_483_647),
      50 * 1_048_576,
    ),
    websocket: {
      heartbeatMs: opt(
        'WS_HEARTBEAT_INTERVAL',
        (raw) => parseDurationMs('WS_HEARTBEAT_INTERVAL', raw),
        30_000,
      ),
      clientQueueMax: opt(
        'WS_CLIENT_QUEUE_MAX',
        (raw) => parseInteger('WS_CLIENT_QUEUE_MAX', raw, 1, 1_000_000),
        1_000,
      ),
    },
    lowAlertAutoReviewAfterMs: opt<number | undefined>(
      'LOW_ALERT_AUTO_REVIEW_AFTER',
      (raw) => parseDurationOrOff('LOW_ALERT_AUTO_REVIEW_AFTER', raw, 60_000),
      7 * 86_400_000,
    ),
    falsePositiveSuppressionMs: opt(
      'FALSE_POSITIVE_SUPPRESSION',
      (raw) => parseDurationInRange('FALSE_POSITIVE_SUPPRESSION', raw, 60_000, 366 * 86_400_000),
      7 * 86_400_000,
    ),
    demo: opt('DEMO', (raw) => parseBoolean('DEMO', raw), embedded),
    demoSubscribers: opt(
      'DEMO_SUBSCRIBERS',
      (raw) => parseInteger('DEMO_SUBSCRIBERS', raw, 100, 10_000_000),
      20_000,
    ),
    feed: loadFeedConfig((key) => read(env, key), readFile),
    sources: loadSourceConfig((key) => read(env, key)),
    cdrStreamLayout: opt(
      'CDR_STREAM_LAYOUT',
      (raw) => parseEnum('CDR_STREAM_LAYOUT', raw, ['auto', 'per-partition', 'single'] as const),
      'auto',
    ),
    streamReplicas: opt('STREAM_REPLICAS', (raw) => parseInteger('STREAM_REPLICAS', raw, 1, 5), 1),
    searchPath: read(env, 'PATH'),
    faultKillAfterCommit: opt(
      'FAULT_KILL_AFTER_COMMIT',
      (raw) => parseInteger('FAULT_KILL_AFTER_COMMIT', raw, 1, 1_000_000),
      undefined,
    ),
  };
  if (config.sink.maxBufferedRows < config.sink.batchMaxRows) {
    throw new ConfigError(
      'SINK_MAX_BUFFERED_ROWS',
      String(config.sink.maxBufferedRows),
      `at least SINK_BATCH_MAX_ROWS (${config.sink.batchMaxRows}) so a full batch fits in the buffer`,
    );
  }
  if (config.sink.retryMaxMs < config.sink.retryBaseMs) {
    throw new ConfigError(
      'SINK_RETRY_MAX',
      String(config.sink.retryMaxMs),
      `at least SINK_RETRY_BASE (${config.sink.retryBaseMs} ms)`,
    );
  }
  const longestWindow = config.windowsMs[config.windowsMs.length - 1]!;
  // Restarts replay the longest window plus the feed delay, max(ALLOWED_LATENESS, 1 h) (ADR 0011).
  const replayMs = longestWindow + defaultFeedDelayMs(config.allowedLatenessMs);
  if (config.cdrMaxAgeMs < replayMs) {
    throw new ConfigError(
      'CDR_MAX_AGE',
      String(config.cdrMaxAgeMs),
      `at least the longest window plus max(ALLOWED_LATENESS, 1h) (${replayMs} ms) so restarts can replay it`,
    );
  }
  return config;
}

/** The configuration of this process: its environment, secret files read from disk. */
export function loadProcessConfig(): Config {
  return loadConfig(process.env, (path) => readFileSync(path, 'utf8'));
}
