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

export interface CaseFixture {
  suspect?: string;
  severity?: Severity;
  peakSeverity?: Severity;
  status?: 'open' | 'closed';
  rule?: string;
  createdAt?: Date;
  reviewed?: boolean;
  /** Event time of the last event. @default createdAt */
  lastEventAt?: Date;
}

/** Per-window figures as the engine freezes them in a case event (camelCase JSON, CaseEvent). */
export function windowFigures(atMs: number, callCount: number, distinct: number, avg: number): unknown[] {
  return [600_000, 3_600_000, 86_400_000].map((windowMs, index) => ({
    windowMs,
    callCount: callCount * (index + 1),
    distinctCallees: distinct * (index + 1),
    totalDurationSeconds: avg * callCount * (index + 1),
    avgDurationSeconds: avg,
    firstEventAtMs: atMs - windowMs / 2,
    lastEventAtMs: atMs,
    severity: index === 0 ? null : 'HIGH',
  }));
}

export const FIXTURE_THRESHOLDS = [600_000, 3_600_000, 86_400_000].map((windowMs) => ({
  windowMs,
  minDistinctCallees: 50,
  maxAvgDurationSeconds: 3,
}));

/** A case row as the sink folds it (one `opened` event's worth of state). Returns its id and key. */
export async function insertCase(
  pool: pg.Pool,
  fixture: CaseFixture = {},
): Promise<{ id: number; caseKey: string; suspect: string }> {
  sequence++;
  const suspect = fixture.suspect ?? `23481${String(10_000_000 + sequence)}`;
  const createdAt = fixture.createdAt ?? new Date();
  const lastEventAt = fixture.lastEventAt ?? createdAt;
  const rule = fixture.rule ?? 'sdhf';
  const caseKey = `${rule}:${suspect}:${createdAt.getTime()}:${sequence}`;
  const severity = fixture.severity ?? 'HIGH';
  const evidence = {
    windows: windowFigures(lastEventAt.getTime(), 80, 60, 1.5),
    calleeSample: ['2347010000001', '2347010000002', '2348020000003'],
    thresholds: FIXTURE_THRESHOLDS,
  };
  const result = await pool.query<{ id: string }>(
    `INSERT INTO cases (case_key, rule, alert_type, detection_rule, suspect_number, status, severity, peak_severity,
       trigger_window_seconds, call_count, unique_destinations, avg_duration_seconds, evidence_summary, evidence,
       peak_evidence, opened_at, first_event_at, last_event_at, closed_at, reopen_count, event_count, last_sequence,
       stream_partition, created_at, updated_at, reviewed)
     VALUES ($1, $2, 'SDHF_SIMBOX', 'SDHF_001', $3, $4, $5, $6, 3600, 80, 60, 1.5, 'fixture case', $7::jsonb,
       $7::jsonb, $8, $8, $9, $10, 0, 1, 0, 0, $11, $11, $12)
     RETURNING id`,
    [
      caseKey,
      rule,
      suspect,
      fixture.status ?? 'open',
      severity,
      fixture.peakSeverity ?? severity,
      JSON.stringify(evidence),
      new Date(lastEventAt.getTime() - 600_000),
      lastEventAt,
      fixture.status === 'closed' ? lastEventAt : null,
      createdAt,
      fixture.reviewed ?? false,
    ],
  );
  return { id: Number(result.rows[0]!.id), caseKey, suspect };
}

export interface CaseEventFixture {
  sequence: number;
  kind: 'opened' | 'escalated' | 'updated' | 'closed' | 'reopened';
  severity: Severity;
  atMs: number;
}

/** History rows for a case, inserted in the order given (tests pass them shuffled). */
export async function insertCaseEvents(
  pool: pg.Pool,
  caseKey: string,
  events: readonly CaseEventFixture[],
): Promise<void> {
  for (const event of events) {
    await pool.query(
      `INSERT INTO case_events (event_key, case_key, sequence, kind, severity, peak_severity, trigger_window_seconds,
         at, windows, callee_sample, thresholds, evidence_summary, stream_partition)
       VALUES ($1, $2, $3, $4, $5, $5, 600, $6, $7::jsonb, $8::jsonb, $9::jsonb, $10, 0)`,
      [
        `${caseKey}:${event.sequence}`,
        caseKey,
        event.sequence,
        event.kind,
        event.severity,
        new Date(event.atMs),
        JSON.stringify(windowFigures(event.atMs, 10 + event.sequence, 8 + event.sequence, 1.2)),
        JSON.stringify(['2347010000001']),
        JSON.stringify(FIXTURE_THRESHOLDS),
        `event ${event.sequence}`,
      ],
    );
  }
}
