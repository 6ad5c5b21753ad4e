/**
 * Retention of cases and dead letters, run with the `call_records` partition maintenance (start-up, then
 * hourly). `call_records` ages out by dropping day partitions; these tables are small and not partitioned, so
 * they age out by deleting in bounded slices (each its own short transaction: the sink never waits long):
 *
 * - `cases` that are closed and were last changed more than `caseRetentionDays` ago (wall time: a case replayed
 *   from an old stream is kept for the full period after it was written), with all their `case_events`. Open
 *   cases are never deleted, however old.
 * - `dead_letters` received more than `deadLetterRetentionDays` ago, and the replay claims
 *   (`dead_letter_replays`) of dead letters that are gone — a dead letter that no longer exists cannot be
 *   replayed again, so its claim has nothing left to guard.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { DAY_MS } from './daily-partitions.js';
import type { Database } from './database.js';

export interface RetentionOptions {
  nowMs: number;
  caseRetentionDays: number;
  deadLetterRetentionDays: number;
  /** Rows deleted per statement. @default 5_000 */
  sliceRows?: number;
  logger: Logger;
}

export interface RetentionResult {
  cases: number;
  caseEvents: number;
  deadLetters: number;
  replayClaims: number;
}

/** Runs `statement` (which deletes at most `slice` rows and returns a count) until a slice comes back short. */
async function inSlices(
  db: Database,
  statement: string,
  params: unknown[],
  slice: number,
  counts: (row: Record<string, string>) => number[],
): Promise<number[]> {
  const totals: number[] = [];
  for (;;) {
    const result: pg.QueryResult<Record<string, string>> = await db.query(statement, [...params, slice]);
    const row = result.rows[0] ?? {};
    const values = counts(row);
    values.forEach((value, k) => (totals[k] = (totals[k] ?? 0) + value));
    if ((values[0] ?? 0) < slice) return totals;
  }
}

const DELETE_CASES = /* sql */ `
WITH gone AS (
  SELECT id, case_key FROM cases
  WHERE status = 'closed' AND updated_at < $1 ORDER BY id LIMIT $2
  FOR UPDATE SKIP LOCKED
),
events AS (DELETE FROM case_events e USING gone WHERE e.case_key = gone.case_key RETURNING 1),
deleted AS (DELETE FROM cases c USING gone WHERE c.id = gone.id RETURNING 1)
SELECT (SELECT count(*) FROM deleted) AS cases, (SELECT count(*) FROM events) AS events`;

const DELETE_DEAD_LETTERS = /* sql */ `
WITH gone AS (SELECT id FROM dead_letters WHERE received_at < $1 ORDER BY id LIMIT $2),
deleted AS (DELETE FROM dead_letters d USING gone WHERE d.id = gone.id RETURNING 1)
SELECT count(*) AS n FROM deleted`;

const DELETE_REPLAY_CLAIMS = /* sql */ `
WITH gone AS (
  SELECT r.dead_letter_id FROM dead_letter_replays r
  WHERE r.stored_at < $1 AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.id = r.dead_letter_id)
  ORDER BY r.dead_letter_id LIMIT $2
),
deleted AS (DELETE FROM dead_letter_replays r USING gone WHERE r.dead_letter_id = gone.dead_letter_id RETURNING 1)
SELECT count(*) AS n FROM deleted`;

/** Deletes what has aged out (see the file comment); logs at info when anything went. */
export async function applyCaseRetention(db: Database, options: RetentionOptions): Promise<RetentionResult> {
  const slice = options.sliceRows ?? 5_000;
  const caseCutoff = new Date(options.nowMs - options.caseRetentionDays * DAY_MS);
  const letterCutoff = new Date(options.nowMs - options.deadLetterRetentionDays * DAY_MS);
  const [cases = 0, caseEvents = 0] = await inSlices(db, DELETE_CASES, [caseCutoff], slice, (row) => [
    Number(row.cases ?? 0),
    Number(row.events ?? 0),
  ]);
  const [deadLetters = 0] = await inSlices(db, DELETE_DEAD_LETTERS, [letterCutoff], slice, (row) => [
    Number(row.n ?? 0),
  ]);
  const [replayClaims = 0] = await inSlices(db, DELETE_REPLAY_CLAIMS, [letterCutoff], slice, (row) => [
    Number(row.n ?? 0),
  ]);
  const result = { cases, caseEvents, deadLetters, replayClaims };
  if (cases + deadLetters + replayClaims > 0)
    options.logger.info({ ...result, caseCutoff, letterCutoff }, 'cases and dead letters aged out');
  return result;
}
