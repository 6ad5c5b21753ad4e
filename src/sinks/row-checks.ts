/**
 * Last-line checks before COPY. The stream decoder validates CDRs; these only catch what Postgres itself would
 * refuse (a NaN start, an int overflow), because one such row would fail its whole batch on every retry and
 * stall the partition forever. A refused row becomes a dead letter with reason {@link SINK_REJECTED_REASON}.
 */
import type { AlertMessage } from '../windows/index.js';
import { SEVERITIES } from '../windows/index.js';
import type { CallRecordRow, DeadLetterRow } from './batch-types.js';

export const SINK_REJECTED_REASON = 'sink_rejected_row';
export const SINK_REJECTED_ALERT_REASON = 'sink_rejected_alert';

export interface RowProblem {
  field: string;
  message: string;
}

/** Years 0001..9999: what `Date#toISOString` writes in a form Postgres reads back. */
const MIN_TIMESTAMP_MS = -62_135_596_800_000;
const MAX_TIMESTAMP_MS = 253_402_300_800_000;
const INT32_MAX = 2_147_483_647;
const INT16_MAX = 32_767;

/** True when `epochMs` is a time Postgres stores and reads back from `toISOString()` text. */
export function isStorableTime(epochMs: number): boolean {
  return epochMs >= MIN_TIMESTAMP_MS && epochMs < MAX_TIMESTAMP_MS;
}

function isIntIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isOptionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

function optionalTextProblem(field: string, value: unknown): RowProblem | undefined {
  return isOptionalString(value) ? undefined : { field, message: `${field} is not a string` };
}

/** Undefined when Postgres will take the row; otherwise the first column it would refuse. */
export function checkCallRecord(row: CallRecordRow): RowProblem | undefined {
  if (typeof row.callId !== 'string') return { field: 'call_id', message: 'call_id is not a string' };
  if (typeof row.caller !== 'string') return { field: 'caller_number', message: 'caller is not a string' };
  if (typeof row.callee !== 'string') return { field: 'callee_number', message: 'callee is not a string' };
  if (!isStorableTime(row.startMs)) {
    return { field: 'start_time', message: `start ${String(row.startMs)} ms is outside years 1..9999` };
  }
  if (!isIntIn(row.durationSeconds, -INT32_MAX - 1, INT32_MAX)) {
    return {
      field: 'duration_seconds',
      message: `duration ${String(row.durationSeconds)} is not a 32-bit integer`,
    };
  }
  if (row.cause !== undefined && !isIntIn(row.cause, -INT16_MAX - 1, INT16_MAX)) {
    return { field: 'termination_cause', message: `cause ${String(row.cause)} is not a 16-bit integer` };
  }
  if (row.answered !== undefined && typeof row.answered !== 'boolean') {
    return { field: 'answered', message: 'answered is not a boolean' };
  }
  // One call per column rather than a list of pairs: this runs for every record, and the list was garbage.
  const text =
    optionalTextProblem('call_direction', row.direction) ??
    optionalTextProblem('location_code', row.cell) ??
    optionalTextProblem('imsi', row.imsi) ??
    optionalTextProblem('imei', row.imei) ??
    optionalTextProblem('switch_id', row.switchId) ??
    optionalTextProblem('trunk_in', row.trunkIn) ??
    optionalTextProblem('trunk_out', row.trunkOut);
  if (text !== undefined) return text;
  return checkStreamPosition(row.partition, row.streamSeq);
}

/**
 * True when (partition, seq) can be stored and tracked by `sink_offsets`: JetStream sequences start at 1, and
 * 0 means "nothing committed". A dead letter without a valid position is still stored (position NULL), just
 * never filtered by offsets.
 */
export function hasStreamPosition(partition: number, streamSeq: number): boolean {
  return isIntIn(partition, 0, INT16_MAX) && isIntIn(streamSeq, 1, Number.MAX_SAFE_INTEGER);
}

function checkStreamPosition(partition: number, streamSeq: number): RowProblem | undefined {
  if (!isIntIn(partition, 0, INT16_MAX)) {
    return { field: 'stream_partition', message: `partition ${String(partition)} is outside 0..32767` };
  }
  if (!isIntIn(streamSeq, 1, Number.MAX_SAFE_INTEGER)) {
    return {
      field: 'stream_seq',
      message: `stream sequence ${String(streamSeq)} is not a positive safe integer`,
    };
  }
  return undefined;
}

/** The dead letter that replaces a refused call record: the row itself, as JSON, is the raw payload. */
export function rejectedRecordLetter(row: CallRecordRow, problem: RowProblem): DeadLetterRow {
  return {
    reason: SINK_REJECTED_REASON,
    field: problem.field,
    message: problem.message,
    subject: `cdr.in.${String(row.partition)}`,
    partition: row.partition,
    streamSeq: row.streamSeq,
    raw: Buffer.from(JSON.stringify(row), 'utf8'),
  };
}

const ALERT_TEXT_FIELDS = [
  'alert_key',
  'episode_key',
  'alert_type',
  'detection_rule',
  'rule',
  'suspect_number',
] as const;
const ALERT_INT_FIELDS = ['window_seconds', 'call_count', 'unique_destinations'] as const;
const ALERT_TIME_FIELDS = [
  'window_start',
  'window_end',
  'first_event_at',
  'last_event_at',
  'created_at',
] as const;

/** Undefined when `fraud_alerts` will take the alert; otherwise the first field it would refuse. */
export function checkAlert(alert: AlertMessage): RowProblem | undefined {
  for (const field of ALERT_TEXT_FIELDS) {
    const value: unknown = alert[field];
    if (typeof value !== 'string' || value === '')
      return { field, message: `${field} is not a non-empty string` };
  }
  if (!(SEVERITIES as readonly unknown[]).includes(alert.alert_severity)) {
    return {
      field: 'alert_severity',
      message: `severity ${String(alert.alert_severity)} is not one of ${SEVERITIES.join('/')}`,
    };
  }
  for (const field of ALERT_INT_FIELDS) {
    if (!isIntIn(alert[field], -INT32_MAX - 1, INT32_MAX))
      return { field, message: `${field} is not a 32-bit integer` };
  }
  for (const field of ALERT_TIME_FIELDS) {
    const ms = Date.parse(alert[field]);
    if (!(ms >= MIN_TIMESTAMP_MS && ms < MAX_TIMESTAMP_MS))
      return { field, message: `${field} is not an ISO-8601 time` };
  }
  return undefined;
}

/**
 * JSON for a `jsonb` parameter: Postgres refuses a NUL character (\u0000) in jsonb text, so one in any string
 * becomes U+FFFD instead of failing the batch on every retry.
 */
export function jsonForPostgres(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'string' && item.includes('\u0000') ? item.replaceAll('\u0000', '\uFFFD') : item,
  );
}

/** The dead letter that replaces a refused alert; it has no stream position of its own. */
export function rejectedAlertLetter(alert: AlertMessage, problem: RowProblem): DeadLetterRow {
  return {
    reason: SINK_REJECTED_ALERT_REASON,
    field: problem.field,
    message: problem.message,
    subject: 'sentinel.alerts',
    partition: -1,
    streamSeq: -1,
    raw: Buffer.from(JSON.stringify(alert), 'utf8'),
  };
}
