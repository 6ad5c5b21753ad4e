/** Rows written straight into Postgres, as the sink would have written them. */
import type pg from 'pg';
import type { Severity } from '../../../src/windows/index.js';

let sequence = 0;

export interface AlertFixture {
  suspect?: string;
  severity?: Severity;
  rule?: string;
  createdAt?: Date;
  reviewed?: boolean;
  source?: 'stream' | 'detect';
}

export async function insertAlert(pool: pg.Pool, fixture: AlertFixture = {}): Promise<number> {
  sequence++;
  const suspect = fixture.suspect ?? `23480${String(10_000_000 + sequence)}`;
  const key = `sdhf:3600:${suspect}:${sequence}:0`;
  const result = await pool.query<{ id: string }>(
    `INSERT INTO fraud_alerts (alert_key, episode_key, alert_type, detection_rule, rule, window_seconds, suspect_number,
       alert_severity, evidence_summary, call_count, unique_destinations, avg_duration_seconds, window_start,
       window_end, first_event_at, last_event_at, event_to_alert_ms, reason, source, created_at, reviewed)
     VALUES ($1, $2, 'SDHF_SIMBOX', 'SDHF_001', $3, 3600, $4, $5, 'fixture', 80, 60, 1.5, $6, $6, $6, $6, 12,
       'opened', $7, $6, $8)
     RETURNING id`,
    [
      key,
      key.slice(0, key.lastIndexOf(':')),
      fixture.rule ?? 'sdhf',
      suspect,
      fixture.severity ?? 'HIGH',
      fixture.createdAt ?? new Date(),
      fixture.source ?? 'stream',
      fixture.reviewed ?? false,
    ],
  );
  return Number(result.rows[0]!.id);
}

export interface CallFixture {
  caller: string;
  callee: string;
  startMs: number;
  durationSeconds: number;
}

export async function insertCalls(pool: pg.Pool, calls: readonly CallFixture[]): Promise<void> {
  const base = sequence * 1_000_000;
  sequence++;
  await pool.query(
    `INSERT INTO call_records (call_id, caller_number, callee_number, start_time, duration_seconds, stream_partition,
       stream_seq)
     SELECT 'fixture-' || seq, caller, callee, to_timestamp(start_ms / 1000.0), duration, 0, seq
       FROM unnest($1::text[], $2::text[], $3::float8[], $4::int[], $5::bigint[])
         AS t(caller, callee, start_ms, duration, seq)`,
    [
      calls.map((call) => call.caller),
      calls.map((call) => call.callee),
      calls.map((call) => call.startMs),
      calls.map((call) => call.durationSeconds),
      calls.map((_call, index) => base + index),
    ],
  );
}

/** `count` short calls from `caller` to distinct callees, one a minute ending at `endMs`. */
export function fanoutCalls(
  caller: string,
  count: number,
  endMs: number,
  durationSeconds = 1,
): CallFixture[] {
  return Array.from({ length: count }, (_unused, index) => ({
    caller,
    callee: `2347${String(100_000_000 + index)}`,
    startMs: endMs - (count - 1 - index) * 60_000,
    durationSeconds,
  }));
}
