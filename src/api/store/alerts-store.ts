/**
 * Reading and reviewing `fraud_alerts`, the window-level detection log (GET /detections; `GET /alerts` lists
 * cases since v2). Lists are newest first (created_at, then id) with keyset cursors, so
 * paging deep into a large table costs the same as the first page and rows inserted meanwhile never shift
 * a page. Every statement is parameterised.
 */
import type pg from 'pg';
import type { Severity } from '../../windows/index.js';
import { isoOrNull, newestFirstPage } from './keyset-cursor.js';
import { SqlParams } from './sql-params.js';

/** One `fraud_alerts` row as the API returns it. */
export interface AlertRecord {
  id: number;
  alert_key: string;
  episode_key: string | null;
  alert_type: string;
  detection_rule: string;
  rule: string;
  window_seconds: number | null;
  suspect_number: string;
  alert_severity: Severity;
  evidence_summary: string;
  call_count: number;
  unique_destinations: number;
  avg_duration_seconds: number;
  window_start: string | null;
  window_end: string | null;
  first_event_at: string | null;
  last_event_at: string | null;
  event_to_alert_ms: number | null;
  reason: string | null;
  source: string;
  created_at: string;
  reviewed: boolean;
  reviewer_notes: string | null;
  reviewed_by: string | null;
  reviewed_at: string | null;
}

const DATE_FIELDS = [
  'window_start',
  'window_end',
  'first_event_at',
  'last_event_at',
  'created_at',
  'reviewed_at',
] as const;

/** A fraud_alerts row as selected with ALERT_COLUMNS → the API's record. */
export function toAlertRecord(row: Record<string, unknown>): AlertRecord {
  const record = { ...row } as Record<string, unknown>;
  for (const field of DATE_FIELDS) record[field] = isoOrNull(row[field] as Date | null);
  return record as unknown as AlertRecord;
}

export interface AlertFilter {
  severities?: readonly Severity[] | undefined;
  reviewed?: boolean | undefined;
  rule?: string | undefined;
  /** Caller digits, no `+`. */
  caller?: string | undefined;
  alertKey?: string | undefined;
  source?: 'stream' | 'detect' | undefined;
  /** created_at ≥ since */
  since?: Date | undefined;
  /** created_at < until */
  until?: Date | undefined;
}

export interface AlertPage {
  /** Rows matching the filter, all pages together. */
  count: number;
  alerts: AlertRecord[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export const ALERT_COLUMNS = `id::float8 AS id, alert_key, episode_key, alert_type, detection_rule, rule, window_seconds,
  suspect_number, alert_severity, evidence_summary, call_count, unique_destinations,
  avg_duration_seconds::float8 AS avg_duration_seconds, window_start, window_end, first_event_at, last_event_at,
  event_to_alert_ms::float8 AS event_to_alert_ms, reason, source, created_at, reviewed, reviewer_notes, reviewed_by,
  reviewed_at`;

function whereClause(filter: AlertFilter, params: SqlParams): string[] {
  const conditions: string[] = [];
  if (filter.severities !== undefined && filter.severities.length > 0) {
    conditions.push(`alert_severity = ANY(${params.add(filter.severities)}::text[])`);
  }
  if (filter.reviewed !== undefined) conditions.push(`reviewed = ${params.add(filter.reviewed)}`);
  if (filter.rule !== undefined) conditions.push(`rule = ${params.add(filter.rule)}`);
  if (filter.caller !== undefined) conditions.push(`suspect_number = ${params.add(filter.caller)}`);
  if (filter.alertKey !== undefined) conditions.push(`alert_key = ${params.add(filter.alertKey)}`);
  if (filter.source !== undefined) conditions.push(`source = ${params.add(filter.source)}`);
  if (filter.since !== undefined) conditions.push(`created_at >= ${params.add(filter.since)}`);
  if (filter.until !== undefined) conditions.push(`created_at < ${params.add(filter.until)}`);
  return conditions;
}

export async function listAlerts(
  pool: pg.Pool,
  filter: AlertFilter,
  limit: number,
  cursorText?: string,
): Promise<AlertPage> {
  const page = await newestFirstPage(pool, {
    table: 'fraud_alerts',
    columns: ALERT_COLUMNS,
    conditions: (params) => whereClause(filter, params),
    limit,
    cursorText,
  });
  return { count: page.count, alerts: page.rows.map(toAlertRecord), nextCursor: page.nextCursor };
}

export interface ReviewResult {
  id: number;
  reviewed: boolean;
  reviewer_notes: string | null;
  reviewed_by: string | null;
  reviewed_at: string | null;
}

/**
 * Records a review decision and who made it. Notes are kept when the request omits them. Undefined when no
 * alert has this id.
 */
export async function reviewAlert(
  pool: pg.Pool,
  id: number,
  review: { reviewed: boolean; notes: string | undefined; by: string },
): Promise<ReviewResult | undefined> {
  const result = await pool.query<Omit<ReviewResult, 'reviewed_at'> & { reviewed_at: Date | null }>(
    `UPDATE fraud_alerts
        SET reviewed = $2, reviewer_notes = COALESCE($3, reviewer_notes), reviewed_by = $4, reviewed_at = now()
      WHERE id = $1
      RETURNING id::float8 AS id, reviewed, reviewer_notes, reviewed_by, reviewed_at`,
    [id, review.reviewed, review.notes ?? null, review.by],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : { ...row, reviewed_at: isoOrNull(row.reviewed_at) };
}

export interface BulkReviewCriteria {
  ids?: readonly number[] | undefined;
  severities?: readonly Severity[] | undefined;
  rule?: string | undefined;
  /** Only alerts created before this instant. */
  createdBefore?: Date | undefined;
}

/** Marks every matching unreviewed alert reviewed; returns the ids it changed. */
export async function bulkReviewAlerts(
  pool: pg.Pool,
  criteria: BulkReviewCriteria,
  review: { notes: string; by: string },
): Promise<number[]> {
  const params = new SqlParams();
  const conditions = ['NOT reviewed'];
  if (criteria.ids !== undefined) conditions.push(`id = ANY(${params.add(criteria.ids)}::bigint[])`);
  if (criteria.severities !== undefined && criteria.severities.length > 0) {
    conditions.push(`alert_severity = ANY(${params.add(criteria.severities)}::text[])`);
  }
  if (criteria.rule !== undefined) conditions.push(`rule = ${params.add(criteria.rule)}`);
  if (criteria.createdBefore !== undefined)
    conditions.push(`created_at < ${params.add(criteria.createdBefore)}`);
  const result = await pool.query<{ id: number }>(
    `UPDATE fraud_alerts
        SET reviewed = true, reviewer_notes = ${params.add(review.notes)}, reviewed_by = ${params.add(review.by)},
            reviewed_at = now()
      WHERE ${conditions.join(' AND ')}
      RETURNING id::float8 AS id`,
    params.values,
  );
  return result.rows.map((row) => row.id).sort((a, b) => a - b);
}

/** Unreviewed alerts for one caller, newest first (at most `limit`). */
export async function openAlertsForCaller(pool: pg.Pool, caller: string, limit = 50): Promise<AlertRecord[]> {
  const result = await pool.query<Record<string, unknown>>(
    `SELECT ${ALERT_COLUMNS} FROM fraud_alerts WHERE suspect_number = $1 AND NOT reviewed
      ORDER BY created_at DESC, id DESC LIMIT $2`,
    [caller, limit],
  );
  return result.rows.map(toAlertRecord);
}

export async function getAlert(pool: pg.Pool, id: number): Promise<AlertRecord | undefined> {
  const result = await pool.query<Record<string, unknown>>(
    `SELECT ${ALERT_COLUMNS} FROM fraud_alerts WHERE id = $1`,
    [id],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : toAlertRecord(row);
}
