/**
 * Case events as the sink stores them: the last-line checks (a NaN time or a fractional sequence would fail its
 * whole batch on every retry and stall the partition, so such an event becomes a dead letter instead), and the
 * row each event becomes in the one `jsonb_to_recordset` statement that stores a batch's events and folds them
 * into `cases` (case-events-commit.ts). Everything a `cases` row needs is derived here, in one place.
 */
import { CASE_EVENT_KINDS, SEVERITIES, type CaseEvent } from '../windows/index.js';
import type { DeadLetterRow } from './batch-types.js';
import { isStorableTime, type RowProblem } from './row-checks.js';

export const SINK_REJECTED_CASE_EVENT_REASON = 'sink_rejected_case_event';

const INT32_MAX = 2_147_483_647;

function isInt(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isTimeOrNull(value: unknown): boolean {
  return value === null || (typeof value === 'number' && isStorableTime(value));
}

/** Undefined when Postgres will take the event; otherwise the first field it would refuse. */
export function checkCaseEvent(event: CaseEvent): RowProblem | undefined {
  for (const field of [
    'caseKey',
    'eventKey',
    'rule',
    'alertType',
    'detectionRule',
    'suspectNumber',
    'evidenceSummary',
  ] as const) {
    if (typeof event[field] !== 'string' || event[field] === '')
      return { field, message: `${field} is not a non-empty string` };
  }
  if (!(CASE_EVENT_KINDS as readonly unknown[]).includes(event.kind))
    return {
      field: 'kind',
      message: `kind ${String(event.kind)} is not one of ${CASE_EVENT_KINDS.join('/')}`,
    };
  for (const field of ['severity', 'peakSeverity'] as const) {
    if (!(SEVERITIES as readonly unknown[]).includes(event[field]))
      return { field, message: `${field} ${String(event[field])} is not one of ${SEVERITIES.join('/')}` };
  }
  if (!isInt(event.sequence, 0, INT32_MAX)) return { field: 'sequence', message: 'sequence is not an int32' };
  if (!isInt(event.reopenCount, 0, INT32_MAX))
    return { field: 'reopenCount', message: 'reopenCount is not an int32' };
  if (!isInt(event.triggerWindowMs, 1_000, INT32_MAX * 1_000))
    return { field: 'triggerWindowMs', message: 'triggerWindowMs is not a whole number of seconds' };
  for (const field of ['atMs', 'openedAtMs'] as const) {
    if (typeof event[field] !== 'number' || !isStorableTime(event[field]))
      return { field, message: `${field} is not a time in years 1..9999` };
  }
  if (!Array.isArray(event.windows) || !Array.isArray(event.thresholds) || !Array.isArray(event.calleeSample))
    return { field: 'windows', message: 'windows, thresholds and calleeSample must be arrays' };
  for (const window of event.windows) {
    if (!isTimeOrNull(window.firstEventAtMs) || !isTimeOrNull(window.lastEventAtMs))
      return { field: 'windows', message: 'a window time is not a time in years 1..9999' };
    if (!isInt(window.callCount, 0, INT32_MAX) || !isInt(window.distinctCallees, 0, INT32_MAX))
      return { field: 'windows', message: 'a window count is not an int32' };
    if (!Number.isFinite(window.avgDurationSeconds))
      return { field: 'windows', message: 'a window average is not a finite number' };
  }
  return undefined;
}

/** The dead letter that replaces a refused case event; like a refused alert it has no stream position. */
export function rejectedCaseEventLetter(event: CaseEvent, problem: RowProblem): DeadLetterRow {
  return {
    reason: SINK_REJECTED_CASE_EVENT_REASON,
    field: problem.field,
    message: problem.message,
    subject: 'sentinel.cases',
    partition: -1,
    streamSeq: -1,
    raw: Buffer.from(JSON.stringify(event), 'utf8'),
  };
}

/** One event as the storing statement reads it (`jsonb_to_recordset`); names are the SQL columns. */
export interface CaseEventRow {
  event_key: string;
  case_key: string;
  sequence: number;
  kind: string;
  rule: string;
  alert_type: string;
  detection_rule: string;
  suspect_number: string;
  status: 'open' | 'closed';
  severity: string;
  peak_severity: string;
  trigger_window_seconds: number;
  at: string;
  opened_at: string;
  closed_at: string | null;
  first_event_at: string | null;
  last_event_at: string;
  reopen_count: number;
  call_count: number;
  unique_destinations: number;
  avg_duration_seconds: number;
  windows: CaseEvent['windows'];
  callee_sample: string[];
  thresholds: CaseEvent['thresholds'];
  /** `cases.evidence` / `peak_evidence`: the event's evidence, plus which event it is. */
  evidence: Pick<CaseEvent, 'windows' | 'calleeSample' | 'thresholds' | 'sequence' | 'atMs' | 'severity'>;
  evidence_summary: string;
  stream_partition: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The row of one event: the trigger window's figures become the case's seed-compatible `call_count`,
 * `unique_destinations` and `avg_duration_seconds`; the first and last CDR times come from the windows.
 */
export function caseEventRow(event: CaseEvent, partition: number): CaseEventRow {
  const trigger = event.windows.find((window) => window.windowMs === event.triggerWindowMs);
  let first: number | null = null;
  let last = event.atMs;
  for (const window of event.windows) {
    if (window.firstEventAtMs !== null && (first === null || window.firstEventAtMs < first))
      first = window.firstEventAtMs;
    if (window.lastEventAtMs !== null && window.lastEventAtMs > last) last = window.lastEventAtMs;
  }
  const closed = event.kind === 'closed';
  return {
    event_key: event.eventKey,
    case_key: event.caseKey,
    sequence: event.sequence,
    kind: event.kind,
    rule: event.rule,
    alert_type: event.alertType,
    detection_rule: event.detectionRule,
    suspect_number: event.suspectNumber,
    status: closed ? 'closed' : 'open',
    severity: event.severity,
    peak_severity: event.peakSeverity,
    trigger_window_seconds: Math.round(event.triggerWindowMs / 1_000),
    at: iso(event.atMs),
    opened_at: iso(event.openedAtMs),
    closed_at: closed ? iso(event.atMs) : null,
    first_event_at: first === null ? null : iso(first),
    last_event_at: iso(last),
    reopen_count: event.reopenCount,
    call_count: trigger?.callCount ?? 0,
    unique_destinations: trigger?.distinctCallees ?? 0,
    avg_duration_seconds: trigger?.avgDurationSeconds ?? 0,
    windows: event.windows,
    callee_sample: event.calleeSample,
    thresholds: event.thresholds,
    evidence: {
      windows: event.windows,
      calleeSample: event.calleeSample,
      thresholds: event.thresholds,
      sequence: event.sequence,
      atMs: event.atMs,
      severity: event.severity,
    },
    evidence_summary: event.evidenceSummary,
    stream_partition: partition,
  };
}
