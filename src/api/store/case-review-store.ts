/**
 * Reviewing cases. A single review is one transaction: the case's review columns, the false-positive
 * suppression (`case_suppressions`) and, when asked, the allowlist entry for the suspect commit together or not
 * at all. Pushing the resulting rule settings to the engine happens after the commit (routes/alerts.ts).
 */
import type pg from 'pg';
import type { Severity } from '../../windows/index.js';
import { getCase, type CaseRecord, type Verdict } from './cases-store.js';
import { SqlParams } from './sql-params.js';

export interface CaseReview {
  reviewed: boolean;
  /** Kept when undefined. */
  notes: string | undefined;
  /** Kept when undefined while `reviewed`; cleared when not `reviewed`. */
  verdict: Verdict | undefined;
  /** Add the suspect's exact number to the allowlist (only with verdict `false_positive`). */
  addToAllowlist: boolean;
  by: string;
  /** How long a `false_positive` verdict suppresses new cases for the suspect. */
  suppressionMs: number;
}

export interface CaseReviewOutcome {
  record: CaseRecord;
  /** The suppression written by this review, if any. */
  suppression: { number: string; until: string } | null;
  /** The allowlist entry this review added (`created` false when it was already there). */
  allowlisted: { entry: string; created: boolean } | null;
  /** Suppressions or allowlist changed: the engine must be told. */
  rulesChanged: boolean;
}

/** Runs `work` in a transaction on one client; rolls back and rethrows on any failure. */
async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
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

async function suppress(
  client: pg.PoolClient,
  caseId: number,
  suppressionMs: number,
  by: string,
): Promise<{ number: string; until: string }> {
  // From the later of now and the case's last event, so a suppression given while replaying old traffic
  // still covers what follows it. A longer suppression already in force is kept.
  const result = await client.query<{ suspect_number: string; until: Date }>(
    `INSERT INTO case_suppressions (suspect_number, until, case_id, created_by, created_at)
     SELECT suspect_number,
            date_trunc('milliseconds', GREATEST(now(), last_event_at) + ($2::float8 * interval '1 millisecond')),
            id, $3, now()
       FROM cases WHERE id = $1
     ON CONFLICT (suspect_number) DO UPDATE
       SET until = GREATEST(case_suppressions.until, EXCLUDED.until), case_id = EXCLUDED.case_id,
           created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at
     RETURNING suspect_number, until`,
    [caseId, suppressionMs, by],
  );
  const row = result.rows[0]!;
  return { number: row.suspect_number, until: row.until.toISOString() };
}

async function allowlistSuspect(
  client: pg.PoolClient,
  suspect: string,
  caseId: number,
  by: string,
): Promise<{ entry: string; created: boolean }> {
  const result = await client.query<{ inserted: boolean }>(
    `INSERT INTO allowlist (entry, note, created_at, created_by) VALUES ($1, $2, now(), $3)
     ON CONFLICT (entry) DO UPDATE SET note = COALESCE(allowlist.note, EXCLUDED.note)
     RETURNING (xmax = 0) AS inserted`,
    [suspect, `false positive (case ${caseId})`, by],
  );
  return { entry: suspect, created: result.rows[0]!.inserted };
}

/** Records a review and its consequences in one transaction; undefined when no case has this id. */
export async function reviewCase(
  pool: pg.Pool,
  id: number,
  review: CaseReview,
): Promise<CaseReviewOutcome | undefined> {
  return await inTransaction(pool, async (client) => {
    const locked = await client.query<{ suspect_number: string }>(
      'SELECT suspect_number FROM cases WHERE id = $1 FOR UPDATE',
      [id],
    );
    const suspect = locked.rows[0]?.suspect_number;
    if (suspect === undefined) return undefined;
    const updated = await client.query<{ verdict: Verdict | null }>(
      `UPDATE cases
          SET reviewed = $2,
              verdict = CASE WHEN $2 THEN COALESCE($3, verdict) ELSE NULL END,
              reviewer_notes = COALESCE($4, reviewer_notes),
              reviewed_by = $5, reviewed_at = now(), auto_aged = false, updated_at = now()
        WHERE id = $1
        RETURNING verdict`,
      [id, review.reviewed, review.verdict ?? null, review.notes ?? null, review.by],
    );
    const verdict = updated.rows[0]?.verdict ?? null;
    let rulesChanged = false;
    let suppression: CaseReviewOutcome['suppression'] = null;
    let allowlisted: CaseReviewOutcome['allowlisted'] = null;
    if (review.addToAllowlist) {
      allowlisted = await allowlistSuspect(client, suspect, id, review.by);
      rulesChanged = allowlisted.created;
    }
    if (review.verdict === 'false_positive' && review.reviewed) {
      suppression = await suppress(client, id, review.suppressionMs, review.by);
      rulesChanged = true;
    } else if (verdict !== 'false_positive') {
      // The verdict is no longer a false positive: lift the suppression this case put in place.
      const lifted = await client.query('DELETE FROM case_suppressions WHERE case_id = $1', [id]);
      rulesChanged = rulesChanged || (lifted.rowCount ?? 0) > 0;
    }
    const record = await getCase(client, id);
    return { record: record!, suppression, allowlisted, rulesChanged };
  });
}

export interface BulkCaseCriteria {
  ids?: readonly number[] | undefined;
  severities?: readonly Severity[] | undefined;
  rule?: string | undefined;
  createdBefore?: Date | undefined;
}

/** Marks every matching unreviewed case reviewed (no verdict); returns the ids it changed. */
export async function bulkReviewCases(
  pool: pg.Pool,
  criteria: BulkCaseCriteria,
  review: { notes: string; by: string },
): Promise<number[]> {
  const params = new SqlParams();
  const conditions = ['NOT reviewed'];
  if (criteria.ids !== undefined) conditions.push(`id = ANY(${params.add(criteria.ids)}::bigint[])`);
  if (criteria.severities !== undefined && criteria.severities.length > 0)
    conditions.push(`severity = ANY(${params.add(criteria.severities)}::text[])`);
  if (criteria.rule !== undefined) conditions.push(`rule = ${params.add(criteria.rule)}`);
  if (criteria.createdBefore !== undefined)
    conditions.push(`created_at < ${params.add(criteria.createdBefore)}`);
  const result = await pool.query<{ id: number }>(
    `UPDATE cases
        SET reviewed = true, reviewer_notes = ${params.add(review.notes)}, reviewed_by = ${params.add(review.by)},
            reviewed_at = now(), updated_at = now()
      WHERE ${conditions.join(' AND ')}
      RETURNING id::float8 AS id`,
    params.values,
  );
  return result.rows.map((row) => row.id).sort((a, b) => a - b);
}
