/**
 * Filling `call_records` before a drain, so the sink appends to a big table the way it will after weeks in
 * production. `INSERT … SELECT generate_series` in 1M-row statements (fast, server-side), spread over the
 * same time range as the backlog so the drain appends to the same day partitions. Then VACUUM ANALYZE, so
 * autovacuum's first pass over the new rows does not land in the middle of the measurement.
 */
import type pg from 'pg';
import { perSecond } from './bench-stats.js';

const CHUNK_ROWS = 1_000_000;

export interface PreloadResult {
  rows: number;
  elapsedMs: number;
  perSecond: number;
  tableBytes: number;
}

export async function preloadCallRecords(
  pool: pg.Pool,
  rows: number,
  startMs: number,
  spanMs: number,
  onProgress?: (done: number) => void,
): Promise<PreloadResult> {
  const started = performance.now();
  for (let first = 1; first <= rows; first += CHUNK_ROWS) {
    const last = Math.min(rows, first + CHUNK_ROWS - 1);
    await pool.query(
      `INSERT INTO call_records (call_id, caller_number, callee_number, start_time, duration_seconds, answered,
          call_direction, termination_cause, location_code, imsi, switch_id, trunk_in, trunk_out,
          stream_partition, stream_seq, late)
       SELECT 'pre-' || g, (2348030000000 + (g * 7919) % 1000000)::text, (2348060000000 + (g * 104729) % 9000000)::text,
              to_timestamp(($3::float8 + (g::float8 * $4::float8 / $5::float8)) / 1000.0), (g * 31) % 600, true,
              'outbound', 16, 'LAG-' || lpad((g % 4000)::text, 4, '0'), '62130' || lpad((g % 1000000000)::text, 10, '0'),
              'MSC-LAG-01', 'RAN', 'ONNET', (g % 16)::smallint, g, false
         FROM generate_series($1::bigint, $2::bigint) AS g`,
      [first, last, startMs, spanMs, rows],
    );
    onProgress?.(last);
  }
  await pool.query('VACUUM ANALYZE call_records');
  const elapsedMs = performance.now() - started;
  const size = await pool.query<{ bytes: string }>(
    "SELECT sum(pg_total_relation_size(c.oid))::bigint AS bytes FROM pg_class c WHERE c.relname LIKE 'call_records%' AND c.relkind IN ('r', 'p')",
  );
  return {
    rows,
    elapsedMs: Math.round(elapsedMs),
    perSecond: perSecond(rows, elapsedMs),
    tableBytes: Number(size.rows[0]?.bytes ?? 0),
  };
}
