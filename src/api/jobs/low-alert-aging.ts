/**
 * The runbook's "age out LOW alerts" chore as a policy: unreviewed LOW alerts older than a configured age are
 * marked reviewed by `auto-aging` with a note saying why, so the analysts' queue holds what needs a human.
 * Ages are measured on the database clock, the same clock that stamped `created_at`.
 */
import type pg from 'pg';
import type { Logger } from 'pino';

/** `reviewed_by` of alerts the policy closes. */
export const AUTO_AGING_REVIEWER = 'auto-aging';

function describeAge(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms}ms`;
}

/** One pass: closes unreviewed LOW alerts older than `afterMs`; returns how many it closed. */
export async function ageLowAlerts(pool: pg.Pool, afterMs: number): Promise<number> {
  const result = await pool.query(
    `UPDATE fraud_alerts
        SET reviewed = true, reviewed_by = $2, reviewed_at = now(),
            reviewer_notes = $3
      WHERE alert_severity = 'LOW' AND NOT reviewed
        AND created_at < now() - ($1::float8 * interval '1 millisecond')`,
    [afterMs, AUTO_AGING_REVIEWER, `Auto-reviewed: aged out (LOW, older than ${describeAge(afterMs)})`],
  );
  return result.rowCount ?? 0;
}

export interface LowAlertAgingOptions {
  /** Time between passes. @default min(afterMs, 60_000), at least 1_000 */
  intervalMs?: number;
}

/**
 * Starts the auto-aging policy: a pass at once, then every `intervalMs`. A failed pass is logged and retried
 * at the next tick; it never stops the timer. Returns the stop function (it resolves once a pass in progress
 * has finished).
 */
export function startLowAlertAging(
  pool: pg.Pool,
  afterMs: number,
  logger: Logger,
  options: LowAlertAgingOptions = {},
): () => Promise<void> {
  const intervalMs = options.intervalMs ?? Math.max(1_000, Math.min(afterMs, 60_000));
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped || running !== undefined) return;
    running = ageLowAlerts(pool, afterMs)
      .then((closed) => {
        if (closed > 0) logger.info({ closed, afterMs }, 'auto-reviewed aged LOW alerts');
      })
      .catch((error: unknown) =>
        logger.warn({ err: error }, 'LOW alert aging pass failed; retrying next tick'),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
