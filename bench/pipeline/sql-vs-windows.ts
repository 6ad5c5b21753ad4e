/**
 * The same question — which callers are SDHF over the last 24 h — asked two ways after a drain: the
 * predecessor's GROUP BY over the stored rows, and the engine's live windows (its alerts are already out;
 * a single caller's window stats come from memory through the engine port).
 */
import type pg from 'pg';
import type { Service } from '../../src/engine/index.js';
import { median, round } from './bench-stats.js';
import { seedSdhfQuery } from './seed-sql.js';

export interface SqlVsWindowsResult {
  storedRows: number;
  windowHours: number;
  /** Rows inside the window the SQL scanned. */
  rowsInWindow: number;
  sqlRuns: number;
  sqlMedianMs: number | null;
  sqlSuspects: number;
  /** Distinct callers the engine alerted on (any window) by the time the drain finished. */
  engineAlertedCallers: number;
  /** SQL suspects the engine had also alerted on. */
  agreement: number;
  /** Reading the alerted callers back from fraud_alerts (what an analyst's query costs). */
  alertListMedianMs: number | null;
  /** One caller's live window stats through the engine port (main thread → worker → back). */
  callerViewMedianMs: number | null;
  callerViewSamples: number;
  callerViewErrors: number;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

/**
 * @param windowMs the trailing window the SQL uses, ending at the newest stored call; pass a shorter window
 *   to have it cover only part of the stored rows (e.g. the newest 5M of 10M).
 */
export async function compareSqlWithWindows(
  service: Service,
  pool: pg.Pool,
  windowMs: number,
  runs: number,
): Promise<SqlVsWindowsResult> {
  const bounds = await pool.query<{ newest: Date; stored: string }>(
    'SELECT max(start_time) AS newest, count(*)::bigint AS stored FROM call_records',
  );
  const newest = bounds.rows[0]!.newest;
  const windowEnd = new Date(newest.getTime() + 1);
  const windowStart = new Date(windowEnd.getTime() - windowMs);
  const inWindow = await pool.query<{ n: string }>(
    'SELECT count(*)::bigint AS n FROM call_records WHERE start_time >= $1 AND start_time < $2',
    [windowStart, windowEnd],
  );
  const sqlTimes: number[] = [];
  let suspects: string[] = [];
  for (let run = 0; run < runs; run++) {
    const { value, ms } = await timed(() =>
      seedSdhfQuery(pool, { windowStart, windowEnd, minUniqueDestinations: 50, maxAvgDurationSeconds: 3 }),
    );
    sqlTimes.push(ms);
    suspects = value.map((s) => s.caller);
  }
  const listTimes: number[] = [];
  let alerted = new Set<string>();
  for (let run = 0; run < runs; run++) {
    const { value, ms } = await timed(() =>
      pool.query<{ suspect_number: string }>(
        "SELECT DISTINCT suspect_number FROM fraud_alerts WHERE rule = 'sdhf'",
      ),
    );
    listTimes.push(ms);
    alerted = new Set(value.rows.map((row) => row.suspect_number));
  }
  const viewTimes: number[] = [];
  let callerViewErrors = 0;
  for (const caller of suspects.slice(0, 50)) {
    try {
      const { ms } = await timed(() => service.engine.callerView(caller));
      viewTimes.push(ms);
    } catch {
      callerViewErrors++; // reported as a count: the SQL figures stand on their own
    }
  }
  return {
    storedRows: Number(bounds.rows[0]!.stored),
    windowHours: round(windowMs / 3_600_000, 2) ?? 0,
    rowsInWindow: Number(inWindow.rows[0]!.n),
    sqlRuns: runs,
    sqlMedianMs: round(median(sqlTimes)),
    sqlSuspects: suspects.length,
    engineAlertedCallers: alerted.size,
    agreement: suspects.filter((caller) => alerted.has(caller)).length,
    alertListMedianMs: round(median(listTimes), 2),
    callerViewMedianMs: round(median(viewTimes), 2),
    callerViewSamples: viewTimes.length,
    callerViewErrors,
  };
}
