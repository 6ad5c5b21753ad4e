/**
 * The runbook's "age out LOW alerts" chore as a policy, on cases: unreviewed cases that never rose above LOW
 * (`peak_severity = 'LOW'`) and were created longer ago than the configured age are marked reviewed by the
 * system (`reviewed_by = auto-aging`, `auto_aged = true`, a note saying why, no verdict), so the analysts' queue
 * holds what needs a human. The case's `status` stays the engine's: open/closed follows the traffic.
 *
 * The clock and the timer are injected (defaults: `Date.now` and `setInterval`), so the policy is tested by
 * moving a fake clock and firing the timer by hand; the cut-off is computed from that clock, not the database's.
 */
import type pg from 'pg';
import type { Logger } from 'pino';

/** `reviewed_by` of cases the policy reviews. */
export const AUTO_AGING_REVIEWER = 'auto-aging';

function describeAge(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms}ms`;
}

/** One pass at `nowMs`: reviews unreviewed LOW cases created before `nowMs − afterMs`; returns their ids. */
export async function ageLowCases(pool: pg.Pool, afterMs: number, nowMs: number): Promise<number[]> {
  const result = await pool.query<{ id: number }>(
    `UPDATE cases
        SET reviewed = true, reviewed_by = $2, reviewed_at = to_timestamp($4::float8 / 1000), auto_aged = true,
            reviewer_notes = $3, updated_at = now()
      WHERE NOT reviewed AND peak_severity = 'LOW'
        AND created_at < to_timestamp(($4::float8 - $1::float8) / 1000)
      RETURNING id::float8 AS id`,
    [
      afterMs,
      AUTO_AGING_REVIEWER,
      `Auto-reviewed: aged out (LOW, older than ${describeAge(afterMs)})`,
      nowMs,
    ],
  );
  return result.rows.map((row) => row.id).sort((a, b) => a - b);
}

/** Calls `tick` every `intervalMs` until the returned function is called. */
export type RepeatingTimer = (tick: () => void, intervalMs: number) => () => void;

const realTimer: RepeatingTimer = (tick, intervalMs) => {
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
};

export interface LowAlertAgingOptions {
  /** Time between passes. @default min(afterMs, 60_000), at least 1_000 */
  intervalMs?: number;
  /** Epoch ms now. @default Date.now */
  clock?: () => number;
  /** @default setInterval (unref'd) */
  timer?: RepeatingTimer;
  /** Called after each pass with the ids it reviewed (tests wait on it). */
  onPass?: (agedIds: number[]) => void;
}

/**
 * Starts the auto-aging policy: a pass at once, then every `intervalMs`. A failed pass is logged and retried
 * at the next tick; it never stops the timer, and a tick while a pass runs is skipped. Returns the stop
 * function (it resolves once a pass in progress has finished).
 */
export function startLowAlertAging(
  pool: pg.Pool,
  afterMs: number,
  logger: Logger,
  options: LowAlertAgingOptions = {},
): () => Promise<void> {
  const intervalMs = options.intervalMs ?? Math.max(1_000, Math.min(afterMs, 60_000));
  const clock = options.clock ?? Date.now;
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped || running !== undefined) return;
    running = ageLowCases(pool, afterMs, clock())
      .then((aged) => {
        if (aged.length > 0) logger.info({ aged: aged.length, afterMs }, 'auto-reviewed aged LOW cases');
        options.onPass?.(aged);
      })
      .catch((error: unknown) =>
        logger.warn({ err: error }, 'LOW case aging pass failed; retrying next tick'),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const cancel = (options.timer ?? realTimer)(tick, intervalMs);
  tick();
  return async () => {
    stopped = true;
    cancel();
    await running;
  };
}
