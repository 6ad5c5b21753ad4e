/**
 * The predecessor's way, replayed on the same data: its SDHF SQL run once an hour of simulated time, each run
 * over the trailing 24 h ending at that run's time, seeing only the records that had arrived by then. It had
 * no alert dedup, so every run re-alerts every caller still over the thresholds; both counts are kept.
 */
import type pg from 'pg';
import { seedSdhfQuery } from '../pipeline/seed-sql.js';

const HOUR_MS = 3_600_000;

export interface BatchRun {
  runAtMs: number;
  suspects: string[];
  queryMs: number;
}

export interface BatchBaseline {
  runs: BatchRun[];
  /** Caller → simulated time of the first run that flagged it. */
  firstFlaggedAt: Map<string, number>;
  /** Alerts the predecessor would have inserted (one per suspect per run). */
  alertsInserted: number;
}

export async function runHourlyBatch(
  pool: pg.Pool,
  dayStartMs: number,
  hours: number,
  thresholds: { minUniqueDestinations: number; maxAvgDurationSeconds: number },
): Promise<BatchBaseline> {
  const runs: BatchRun[] = [];
  const firstFlaggedAt = new Map<string, number>();
  let alertsInserted = 0;
  for (let hour = 1; hour <= hours; hour++) {
    const runAtMs = dayStartMs + hour * HOUR_MS;
    const started = performance.now();
    const suspects = await seedSdhfQuery(pool, {
      table: 'seed_call_records',
      windowStart: new Date(runAtMs - 24 * HOUR_MS),
      windowEnd: new Date(runAtMs),
      arrivedBy: new Date(runAtMs),
      ...thresholds,
    });
    const queryMs = Math.round(performance.now() - started);
    const callers = suspects.map((s) => s.caller);
    for (const caller of callers) if (!firstFlaggedAt.has(caller)) firstFlaggedAt.set(caller, runAtMs);
    alertsInserted += callers.length;
    runs.push({ runAtMs, suspects: callers, queryMs });
  }
  return { runs, firstFlaggedAt, alertsInserted };
}
