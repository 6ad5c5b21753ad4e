/**
 * The predecessor's on-demand SDHF detection, run over the stored `call_records`. Two of its faults are fixed
 * here: the window ends at the newest stored record, not at wall-clock now (so replayed or back-filled data
 * is still inside it), and callers that already have an open alert for the rule are not alerted again. Found
 * alerts get a deterministic key (rule, window, caller, window end), so running the same detection twice over
 * the same data inserts nothing the second time.
 */
import type pg from 'pg';
import { sdhfSeverity, type Severity } from '../../windows/index.js';
import { ALERT_COLUMNS, toAlertRecord, type AlertRecord } from './alerts-store.js';

export const SDHF_RULE = 'sdhf';
export const SDHF_ALERT_TYPE = 'SDHF_SIMBOX';
export const SDHF_DETECTION_RULE = 'SDHF_001';
/** Serialises detection runs so two concurrent runs cannot both alert the same caller. */
const DETECT_LOCK_KEY = 0x53_44_48_46; // 'SDHF'

export interface DetectParams {
  timeWindowHours: number;
  /** Alert when distinct callees is strictly greater than this. */
  minUniqueDestinations: number;
  /** Alert when the average duration is strictly below this. */
  maxAvgDurationSeconds: number;
  /** Window end; the newest stored call start when absent. */
  windowEnd?: Date | undefined;
  /** At most this many suspects, most distinct callees first. @default 1_000 */
  maxSuspects?: number;
  /** Report what would be alerted; insert nothing. @default false */
  dryRun?: boolean;
}

export interface Suspect {
  suspect_number: string;
  call_count: number;
  unique_destinations: number;
  avg_duration_seconds: number;
  total_duration_seconds: number;
  first_event_at: string;
  last_event_at: string;
  alert_severity: Severity;
  /** The alert inserted for this suspect, or null when it was skipped. */
  alert_id: number | null;
  /**
   * `alerted`: a new alert; `would_alert`: a new alert in a dry run; `already_open`: the caller has an
   * unreviewed alert for the rule; `already_alerted`: this exact detection ran before.
   */
  outcome: 'alerted' | 'would_alert' | 'already_open' | 'already_alerted';
}

export interface DetectResult {
  windowStart: string | null;
  windowEnd: string | null;
  suspects: Suspect[];
  /** The alerts this run inserted, as stored (for the live feed). */
  inserted: AlertRecord[];
}

function describeWindow(hours: number): string {
  return hours > 24 && hours % 24 === 0 ? `${hours / 24}d` : `${hours}h`;
}

interface SuspectRow {
  caller: string;
  call_count: number;
  unique_destinations: number;
  avg_duration_seconds: number;
  total_duration_seconds: number;
  first_event_at: Date;
  last_event_at: Date;
}

async function findSuspects(
  client: pg.ClientBase,
  params: DetectParams,
  start: Date,
  end: Date,
): Promise<SuspectRow[]> {
  // Bounds are bound as values (not a subquery) so the planner prunes the day partitions outside the window.
  const result = await client.query<SuspectRow>(
    `SELECT caller_number::text AS caller, count(*)::int AS call_count,
            count(DISTINCT callee_number)::int AS unique_destinations,
            avg(duration_seconds)::float8 AS avg_duration_seconds,
            sum(duration_seconds)::float8 AS total_duration_seconds,
            min(start_time) AS first_event_at, max(start_time) AS last_event_at
       FROM call_records
      WHERE start_time > $1 AND start_time <= $2
      GROUP BY caller_number
     HAVING count(DISTINCT callee_number) > $3 AND avg(duration_seconds) < $4
      ORDER BY unique_destinations DESC, caller
      LIMIT $5`,
    [start, end, params.minUniqueDestinations, params.maxAvgDurationSeconds, params.maxSuspects ?? 1_000],
  );
  return result.rows;
}

/** Runs one detection in a transaction and inserts the new alerts (`source = 'detect'`). */
export async function runSdhfDetection(pool: pg.Pool, params: DetectParams): Promise<DetectResult> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [DETECT_LOCK_KEY]);
    const result = await detectInTransaction(client, params);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release(failure);
  }
}

interface DetectWindow {
  start: Date;
  end: Date;
  seconds: number;
  hours: number;
}

/** The deterministic key of a detect alert: same data and window → same key → stored once. */
function detectAlertKey(window: DetectWindow, caller: string): string {
  return `${SDHF_RULE}:${window.seconds}:${caller}:${window.end.getTime()}:detect`;
}

function alertRow(window: DetectWindow, row: SuspectRow): Record<string, unknown> {
  const key = detectAlertKey(window, row.caller);
  return {
    alert_key: key,
    episode_key: key,
    window_seconds: window.seconds,
    suspect_number: row.caller,
    alert_severity: sdhfSeverity(row.unique_destinations, row.avg_duration_seconds),
    evidence_summary:
      `Caller ${row.caller} made ${row.call_count} calls to ${row.unique_destinations} distinct numbers in ` +
      `${describeWindow(window.hours)}, avg ${row.avg_duration_seconds.toFixed(1)}s (on-demand detection)`,
    call_count: row.call_count,
    unique_destinations: row.unique_destinations,
    avg_duration_seconds: Math.round(row.avg_duration_seconds * 100) / 100,
    window_start: window.start.toISOString(),
    window_end: window.end.toISOString(),
    first_event_at: row.first_event_at.toISOString(),
    last_event_at: row.last_event_at.toISOString(),
  };
}

async function insertAlerts(client: pg.ClientBase, rows: Record<string, unknown>[]): Promise<AlertRecord[]> {
  if (rows.length === 0) return [];
  const result = await client.query<Record<string, unknown>>(
    `INSERT INTO fraud_alerts (alert_key, episode_key, alert_type, detection_rule, rule, window_seconds,
        suspect_number, alert_severity, evidence_summary, call_count, unique_destinations, avg_duration_seconds,
        window_start, window_end, first_event_at, last_event_at, reason, source)
     SELECT x.alert_key, x.episode_key, $2, $3, $4, x.window_seconds, x.suspect_number, x.alert_severity,
            x.evidence_summary, x.call_count, x.unique_destinations, x.avg_duration_seconds, x.window_start,
            x.window_end, x.first_event_at, x.last_event_at, 'opened', 'detect'
       FROM jsonb_to_recordset($1::jsonb) AS x(alert_key text, episode_key text, window_seconds int,
            suspect_number text, alert_severity text, evidence_summary text, call_count int,
            unique_destinations int, avg_duration_seconds float8, window_start timestamptz,
            window_end timestamptz, first_event_at timestamptz, last_event_at timestamptz)
     ON CONFLICT (alert_key) DO NOTHING
     RETURNING ${ALERT_COLUMNS}`,
    [JSON.stringify(rows), SDHF_ALERT_TYPE, SDHF_DETECTION_RULE, SDHF_RULE],
  );
  return result.rows.map(toAlertRecord);
}

async function textSet(client: pg.ClientBase, sql: string, values: unknown[]): Promise<Set<string>> {
  const result = await client.query<{ value: string }>(sql, values);
  return new Set(result.rows.map((row) => row.value));
}

async function detectInTransaction(client: pg.ClientBase, params: DetectParams): Promise<DetectResult> {
  let end = params.windowEnd ?? null;
  if (end === null) {
    const newest = await client.query<{ newest: Date | null }>(
      'SELECT max(start_time) AS newest FROM call_records',
    );
    end = newest.rows[0]?.newest ?? null;
  }
  if (end === null) return { windowStart: null, windowEnd: null, suspects: [], inserted: [] };
  const seconds = params.timeWindowHours * 3_600;
  const window: DetectWindow = {
    start: new Date(end.getTime() - seconds * 1_000),
    end,
    seconds,
    hours: params.timeWindowHours,
  };
  const rows = await findSuspects(client, params, window.start, window.end);
  const callers = rows.map((row) => row.caller);
  const alreadyOpen = await textSet(
    client,
    `SELECT DISTINCT suspect_number AS value FROM fraud_alerts
      WHERE rule = $1 AND NOT reviewed AND suspect_number = ANY($2::text[])`,
    [SDHF_RULE, callers],
  );
  const fresh = rows.filter((row) => !alreadyOpen.has(row.caller)).map((row) => alertRow(window, row));
  const inserted = params.dryRun === true ? [] : await insertAlerts(client, fresh);
  // A dry run inserts nothing, so tell "would alert" from "this exact detection already ran" by key.
  const existingKeys =
    params.dryRun === true
      ? await textSet(
          client,
          'SELECT alert_key AS value FROM fraud_alerts WHERE alert_key = ANY($1::text[])',
          [fresh.map((row) => row.alert_key)],
        )
      : new Set<string>();
  const insertedByCaller = new Map(inserted.map((alert) => [alert.suspect_number, alert]));
  const suspects = rows.map((row): Suspect => {
    const alert = insertedByCaller.get(row.caller);
    let outcome: Suspect['outcome'] = 'already_alerted';
    if (alreadyOpen.has(row.caller)) outcome = 'already_open';
    else if (alert !== undefined) outcome = 'alerted';
    else if (params.dryRun === true && !existingKeys.has(detectAlertKey(window, row.caller)))
      outcome = 'would_alert';
    return {
      suspect_number: row.caller,
      call_count: row.call_count,
      unique_destinations: row.unique_destinations,
      avg_duration_seconds: Math.round(row.avg_duration_seconds * 100) / 100,
      total_duration_seconds: row.total_duration_seconds,
      first_event_at: row.first_event_at.toISOString(),
      last_event_at: row.last_event_at.toISOString(),
      alert_severity: sdhfSeverity(row.unique_destinations, row.avg_duration_seconds),
      alert_id: alert?.id ?? null,
      outcome,
    };
  });
  return { windowStart: window.start.toISOString(), windowEnd: window.end.toISOString(), suspects, inserted };
}
