/** Builders and a migrated database for the sink tests. */
import pg from 'pg';
import { pino, type Logger } from 'pino';
import type { AlertMessage } from '../../../src/windows/index.js';
import {
  PostgresBatchWriter,
  migrate,
  type CallRecordRow,
  type DeadLetterRow,
  type PostgresBatchWriterOptions,
} from '../../../src/sinks/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/databases.js';

export const silentLogger: Logger = pino({ level: 'silent' });

export interface MigratedDatabase {
  db: TestDatabase;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** A writer on `database` whose retries come fast (5–40 ms apart), for the fault tests. */
export function fastRetryWriter(
  database: MigratedDatabase,
  consumer: string,
  extra: Partial<PostgresBatchWriterOptions> = {},
): PostgresBatchWriter {
  return new PostgresBatchWriter({
    connectionString: database.db.url,
    consumer,
    logger: silentLogger,
    retryBaseMs: 5,
    retryMaxMs: 40,
    ...extra,
  });
}

export async function createMigratedDatabase(): Promise<MigratedDatabase> {
  const db = await createTestDatabase('sentinel_sinks');
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  await migrate(pool, silentLogger);
  return {
    db,
    pool,
    async close() {
      await pool.end();
      await db.drop();
    },
  };
}

/** 2025-03-01T00:00:00Z: a fixed base for event times. */
export const BASE_MS = Date.UTC(2025, 2, 1);

export function recordRow(
  partition: number,
  streamSeq: number,
  overrides: Partial<CallRecordRow> = {},
): CallRecordRow {
  return {
    callId: `call-${partition}-${streamSeq}`,
    caller: '2348012345678',
    callee: String(2348100000000 + streamSeq),
    startMs: BASE_MS + streamSeq * 1_000,
    durationSeconds: streamSeq % 7,
    partition,
    streamSeq,
    late: false,
    ...overrides,
  };
}

export function deadLetterRow(partition: number, streamSeq: number): DeadLetterRow {
  return {
    reason: 'invalid_caller',
    field: 'caller',
    message: 'caller must be E.164 digits',
    subject: `cdr.in.${partition}`,
    partition,
    streamSeq,
    raw: Buffer.from(`{"caller":"abc","seq":${streamSeq}}`),
  };
}

export function alertMessage(key: string, overrides: Partial<AlertMessage> = {}): AlertMessage {
  return {
    alert_key: key,
    episode_key: key.split(':').slice(0, 4).join(':'),
    alert_type: 'SDHF_SIMBOX',
    detection_rule: 'SDHF_001',
    rule: 'sdhf',
    window_seconds: 3_600,
    suspect_number: '2348012345678',
    alert_severity: 'HIGH',
    call_count: 120,
    unique_destinations: 101,
    avg_duration_seconds: 1.8,
    window_start: new Date(BASE_MS).toISOString(),
    window_end: new Date(BASE_MS + 3_600_000).toISOString(),
    first_event_at: new Date(BASE_MS + 1_000).toISOString(),
    last_event_at: new Date(BASE_MS + 3_599_000).toISOString(),
    evidence_summary: 'Caller 2348012345678 made 120 calls to 101 distinct numbers in 1h, avg 1.8s',
    created_at: new Date(BASE_MS + 3_600_500).toISOString(),
    event_to_alert_ms: 12,
    reason: 'opened',
    ...overrides,
  };
}

export async function countRows(pool: pg.Pool, table: string): Promise<number> {
  const result = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(result.rows[0]?.n ?? 0);
}

export async function committedOffsets(pool: pg.Pool, consumer: string): Promise<Map<number, number>> {
  const result = await pool.query<{ partition: number; last_seq: string }>(
    'SELECT partition, last_seq FROM sink_offsets WHERE consumer = $1',
    [consumer],
  );
  return new Map(result.rows.map((row) => [row.partition, Number(row.last_seq)]));
}
