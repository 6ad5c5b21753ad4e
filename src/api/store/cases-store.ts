/**
 * Reading `cases` (one row per suspect and rule family, folded from `case_events` by the sink) and their
 * history. Lists are newest first (created_at, then id) with keyset cursors. Every statement is parameterised.
 */
import type pg from 'pg';
import type { Severity } from '../../windows/index.js';
import { toEvidenceRecord, calleeSample, thresholdEvidence, windowEvidence } from './case-evidence.js';
import type { EvidenceRecord, ThresholdRecord, WindowEvidenceRecord } from './case-evidence.js';
import { isoOrNull, newestFirstPage } from './keyset-cursor.js';
import type { SqlParams } from './sql-params.js';

export const CASE_STATUSES = ['open', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const VERDICTS = ['fraud', 'false_positive', 'inconclusive'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** One case as `GET /alerts` returns it: the seed's alert fields plus the case's own. */
export interface CaseRecord {
  id: number;
  case_key: string;
  alert_type: string;
  detection_rule: string;
  rule: string;
  suspect_number: string;
  status: CaseStatus;
  /** The seed's field: the case's current severity. */
  alert_severity: Severity;
  peak_severity: Severity;
  evidence_summary: string;
  call_count: number;
  unique_destinations: number;
  avg_duration_seconds: number;
  trigger_window_seconds: number;
  evidence: EvidenceRecord;
  peak_evidence: EvidenceRecord;
  opened_at: string;
  first_event_at: string | null;
  last_event_at: string;
  closed_at: string | null;
  reopen_count: number;
  event_count: number;
  created_at: string;
  updated_at: string;
  reviewed: boolean;
  verdict: Verdict | null;
  reviewer_notes: string | null;
  reviewed_by: string | null;
  reviewed_at: string | null;
  auto_aged: boolean;
}

export const CASE_COLUMNS = `id::float8 AS id, case_key, alert_type, detection_rule, rule, suspect_number, status,
  severity AS alert_severity, peak_severity, evidence_summary, call_count, unique_destinations,
  avg_duration_seconds::float8 AS avg_duration_seconds, trigger_window_seconds, evidence, peak_evidence, opened_at,
  first_event_at, last_event_at, closed_at, reopen_count, event_count, created_at, updated_at, reviewed, verdict,
  reviewer_notes, reviewed_by, reviewed_at, auto_aged`;

const CASE_DATES = [
  'opened_at',
  'first_event_at',
  'last_event_at',
  'closed_at',
  'created_at',
  'updated_at',
  'reviewed_at',
] as const;

/** A row selected with CASE_COLUMNS → the API's record. */
export function toCaseRecord(row: Record<string, unknown>): CaseRecord {
  const record: Record<string, unknown> = { ...row };
  for (const field of CASE_DATES) record[field] = isoOrNull(row[field] as Date | null);
  record.evidence = toEvidenceRecord(row.evidence);
  record.peak_evidence = toEvidenceRecord(row.peak_evidence);
  return record as unknown as CaseRecord;
}

export interface CaseFilter {
  statuses?: readonly CaseStatus[] | undefined;
  severities?: readonly Severity[] | undefined;
  reviewed?: boolean | undefined;
  verdicts?: readonly Verdict[] | undefined;
  rule?: string | undefined;
  /** Suspect digits, no `+`. */
  suspect?: string | undefined;
  caseKey?: string | undefined;
  /** created_at ≥ since */
  since?: Date | undefined;
  /** created_at < until */
  until?: Date | undefined;
}

export interface CasePage {
  count: number;
  cases: CaseRecord[];
  nextCursor: string | null;
}

function caseConditions(filter: CaseFilter, params: SqlParams): string[] {
  const conditions: string[] = [];
  if (filter.statuses !== undefined && filter.statuses.length > 0)
    conditions.push(`status = ANY(${params.add(filter.statuses)}::text[])`);
  if (filter.severities !== undefined && filter.severities.length > 0)
    conditions.push(`severity = ANY(${params.add(filter.severities)}::text[])`);
  if (filter.reviewed !== undefined) conditions.push(`reviewed = ${params.add(filter.reviewed)}`);
  if (filter.verdicts !== undefined && filter.verdicts.length > 0)
    conditions.push(`verdict = ANY(${params.add(filter.verdicts)}::text[])`);
  if (filter.rule !== undefined) conditions.push(`rule = ${params.add(filter.rule)}`);
  if (filter.suspect !== undefined) conditions.push(`suspect_number = ${params.add(filter.suspect)}`);
  if (filter.caseKey !== undefined) conditions.push(`case_key = ${params.add(filter.caseKey)}`);
  if (filter.since !== undefined) conditions.push(`created_at >= ${params.add(filter.since)}`);
  if (filter.until !== undefined) conditions.push(`created_at < ${params.add(filter.until)}`);
  return conditions;
}

export async function listCases(
  pool: pg.Pool,
  filter: CaseFilter,
  limit: number,
  cursorText?: string,
): Promise<CasePage> {
  const page = await newestFirstPage(pool, {
    table: 'cases',
    columns: CASE_COLUMNS,
    conditions: (params) => caseConditions(filter, params),
    limit,
    cursorText,
  });
  return { count: page.count, cases: page.rows.map(toCaseRecord), nextCursor: page.nextCursor };
}

export async function getCase(pool: pg.Pool | pg.PoolClient, id: number): Promise<CaseRecord | undefined> {
  const result = await pool.query<Record<string, unknown>>(
    `SELECT ${CASE_COLUMNS} FROM cases WHERE id = $1`,
    [id],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : toCaseRecord(row);
}

/** One entry of a case's history, frozen at the moment it happened. */
export interface CaseEventRecord {
  id: number;
  event_key: string;
  case_key: string;
  sequence: number;
  kind: string;
  severity: Severity;
  peak_severity: Severity;
  trigger_window_seconds: number;
  /** Event time of the CDR (or clock tick) that caused it. */
  at: string;
  windows: WindowEvidenceRecord[];
  callee_sample: string[];
  thresholds: ThresholdRecord[];
  evidence_summary: string;
  /** Wall time the sink stored it. */
  created_at: string;
  published_at: string | null;
}

/** A case's events in event-time order (their sequence), from `afterSequence` exclusive, at most `limit`. */
export async function listCaseEvents(
  pool: pg.Pool,
  caseKey: string,
  afterSequence: number,
  limit: number,
): Promise<CaseEventRecord[]> {
  const result = await pool.query<Record<string, unknown>>(
    `SELECT id::float8 AS id, event_key, case_key, sequence, kind, severity, peak_severity, trigger_window_seconds,
            at, windows, callee_sample, thresholds, evidence_summary, created_at, published_at
       FROM case_events WHERE case_key = $1 AND sequence > $2 ORDER BY sequence LIMIT $3`,
    [caseKey, afterSequence, limit],
  );
  return result.rows.map(
    (row) =>
      ({
        ...row,
        at: isoOrNull(row.at as Date),
        created_at: isoOrNull(row.created_at as Date),
        published_at: isoOrNull(row.published_at as Date | null),
        windows: windowEvidence(row.windows),
        callee_sample: calleeSample(row.callee_sample),
        thresholds: thresholdEvidence(row.thresholds),
      }) as unknown as CaseEventRecord,
  );
}

/** The backlog the alert-backlog panel and SentinelHighUnreviewedAlerts watch: open, unreviewed cases. */
export async function countOpenUnreviewedCases(pool: pg.Pool): Promise<number> {
  const result = await pool.query<{ count: number }>(
    "SELECT count(*)::float8 AS count FROM cases WHERE NOT reviewed AND status = 'open'",
  );
  return result.rows[0]?.count ?? 0;
}

/** End of the unexpired false-positive suppression of a suspect (ISO-8601), or null. */
export async function suppressionFor(pool: pg.Pool, suspect: string): Promise<string | null> {
  const result = await pool.query<{ until: Date }>(
    'SELECT until FROM case_suppressions WHERE suspect_number = $1 AND until > now()',
    [suspect],
  );
  return isoOrNull(result.rows[0]?.until);
}
