/**
 * The CDR contract's validator over a parsed JSON value: what `JSON.parse` gives for a message the byte scanner
 * hands back, what the HTTP API receives, and what every input profile produces after mapping a switch's record
 * onto the contract's field names. Rules (docs/design.md §2), spellings in lenient-values.ts:
 *
 * - Required: `call_id`, `caller`, `callee`, `start`, `duration`. Only these reject a record, each with its
 *   reason code; absent, `null` and `""` are all `missing_field`.
 * - Optional: `answered`, `direction`, `cause`, `cell`, `imsi`, `imei`, `switch`, `trunk_in`, `trunk_out`.
 *   Absent, `null` and `""` are absent; a present but unusable one is left out of the `Cdr` and listed in
 *   `dropped` with a `CdrDropReason`: a CDR is billing evidence, and a bad `cell` must not lose it.
 * - Unknown fields are ignored.
 *
 * The scanner (cdr-scanner.ts) reaches the same result for every record it accepts; for everything else it
 * defers to this file, so rejections and their messages are written only here.
 */
import {
  CDR_FIELDS,
  DEFAULT_MAX_FUTURE_SKEW_MS,
  MAX_CALL_ID_LENGTH,
  MAX_DURATION_SECONDS,
  MIN_START_MS,
  type Cdr,
  type CdrDropReason,
  type CdrReason,
  type DecodeOptions,
  type DecodeResult,
  type DroppedField,
} from './cdr.js';
import { asciiScratch, toAsciiScratch } from './ascii-text.js';
import { describeValue, isPrintableText, parsePhoneDigits } from './cdr-fields.js';
import {
  booleanFromNumber,
  causeFromNumber,
  digitTextProblem,
  digitsFromNumber,
  epochToMs,
  NO_DROPPED_FIELDS,
  parseBooleanBytes,
  parseDecimalBytes,
  parseDirectionBytes,
  parseStartBytes,
  phoneFromNumber,
  shortTextProblem,
  wholeNumberIn,
  withDropped,
} from './lenient-values.js';

export type Rejection = Extract<DecodeResult, { ok: false }>;

export function reject(reason: CdrReason, field: string | undefined, message: string): Rejection {
  return { ok: false, reason, field, message };
}

/** Absent in the contract's sense: not there, `null`, or the empty string. */
function isAbsent(value: unknown): value is undefined | null | '' {
  return value === undefined || value === null || value === '';
}

/** Validates one parsed CDR value. Throws only if reading a property throws (a getter or proxy). */
export function validateRecord(value: unknown, options: DecodeOptions | undefined): DecodeResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject('not_an_object', undefined, `a CDR must be a JSON object, got ${describeValue(value)}`);
  }
  const record = value as Record<string, unknown>;

  const callId = record[CDR_FIELDS.callId];
  if (isAbsent(callId)) return missing(CDR_FIELDS.callId);
  if (typeof callId !== 'string' || !isPrintableText(callId, MAX_CALL_ID_LENGTH)) {
    return reject(
      'invalid_call_id',
      CDR_FIELDS.callId,
      `call_id must be 1..${MAX_CALL_ID_LENGTH} printable characters, got ${describeValue(callId)}`,
    );
  }

  const callerValue = record[CDR_FIELDS.caller];
  if (isAbsent(callerValue)) return missing(CDR_FIELDS.caller);
  const caller = phoneFromValue(callerValue);
  if (caller < 0) return badPhone('invalid_caller', CDR_FIELDS.caller, callerValue);

  const calleeValue = record[CDR_FIELDS.callee];
  if (isAbsent(calleeValue)) return missing(CDR_FIELDS.callee);
  const callee = phoneFromValue(calleeValue);
  if (callee < 0) return badPhone('invalid_callee', CDR_FIELDS.callee, calleeValue);

  const startValue = record[CDR_FIELDS.startMs];
  if (isAbsent(startValue)) return missing(CDR_FIELDS.startMs);
  const startMs = startFromValue(startValue);
  const startProblem = checkStart(startMs, startValue, options);
  if (startProblem !== undefined) return startProblem;

  const durationValue = record[CDR_FIELDS.durationSeconds];
  if (isAbsent(durationValue)) return missing(CDR_FIELDS.durationSeconds);
  const durationSeconds = wholeNumberFromValue(durationValue, MAX_DURATION_SECONDS);
  if (durationSeconds < 0) {
    return reject(
      'bad_duration',
      CDR_FIELDS.durationSeconds,
      `duration must be whole seconds 0..${MAX_DURATION_SECONDS} (a number or decimal string), got ${describeValue(durationValue)}`,
    );
  }

  const cdr: Cdr = { callId, caller, callee, startMs, durationSeconds };
  const dropped = readOptionalFields(record, cdr);
  return { ok: true, cdr, dropped: dropped ?? NO_DROPPED_FIELDS };
}

function missing(field: string): Rejection {
  return reject('missing_field', field, `${field} is required (absent, null or empty)`);
}

function badPhone(reason: 'invalid_caller' | 'invalid_callee', field: string, value: unknown): Rejection {
  return reject(
    reason,
    field,
    `${field} must be an E.164 number (+ optional, 2..15 digits; a string or a JSON number), got ${describeValue(value)}`,
  );
}

/**
 * The start-time checks both paths apply: undefined when `startMs` is usable, else the rejection (`value` is
 * only used in its message).
 */
export function checkStart(
  startMs: number,
  value: unknown,
  options: DecodeOptions | undefined,
): Rejection | undefined {
  if (Number.isNaN(startMs)) {
    return reject(
      'invalid_start',
      CDR_FIELDS.startMs,
      `start must be ISO-8601 with a zone (Z or ±hh:mm) or a whole epoch number in s, ms or µs, got ${describeValue(value)}`,
    );
  }
  if (startMs < MIN_START_MS) {
    return reject('invalid_start', CDR_FIELDS.startMs, `start ${describeValue(value)} is before 2000-01-01`);
  }
  const nowMs = options?.nowMs ?? Date.now();
  const maxSkewMs = options?.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;
  if (startMs > nowMs + maxSkewMs) {
    return reject(
      'start_in_future',
      CDR_FIELDS.startMs,
      `start ${describeValue(value)} is more than ${maxSkewMs} ms ahead of now`,
    );
  }
  return undefined;
}

function phoneFromValue(value: unknown): number {
  if (typeof value === 'string') return parsePhoneDigits(value);
  return typeof value === 'number' ? phoneFromNumber(value) : -1;
}

function startFromValue(value: unknown): number {
  if (typeof value === 'number') return epochToMs(value);
  if (typeof value !== 'string') return Number.NaN;
  const length = toAsciiScratch(value);
  return length < 0 ? Number.NaN : parseStartBytes(asciiScratch, 0, length);
}

/** A decimal string's value (NaN when it is not one); the scanner reads the same bytes with the same code. */
function decimalFromText(text: string): number {
  const length = toAsciiScratch(text);
  return length < 0 ? Number.NaN : parseDecimalBytes(asciiScratch, 0, length);
}

function wholeNumberFromValue(value: unknown, max: number): number {
  if (typeof value === 'number') return wholeNumberIn(value, max);
  return typeof value === 'string' ? wholeNumberIn(decimalFromText(value), max) : -1;
}

/** Copies the usable optional fields onto `cdr`, in contract order; returns the dropped ones, if any. */
function readOptionalFields(record: Record<string, unknown>, cdr: Cdr): DroppedField[] | undefined {
  let dropped: DroppedField[] | undefined;

  const answered = record[CDR_FIELDS.answered];
  if (!isAbsent(answered)) {
    const flag = booleanFromValue(answered);
    if (flag < 0) dropped = withDropped(dropped, CDR_FIELDS.answered, 'invalid_value');
    else cdr.answered = flag === 1;
  }

  const direction = record[CDR_FIELDS.direction];
  if (!isAbsent(direction)) {
    const length = typeof direction === 'string' ? toAsciiScratch(direction) : -1;
    const parsed = length < 0 ? undefined : parseDirectionBytes(asciiScratch, 0, length);
    if (parsed === undefined) dropped = withDropped(dropped, CDR_FIELDS.direction, 'invalid_value');
    else cdr.direction = parsed;
  }

  const causeValue = record[CDR_FIELDS.cause];
  if (!isAbsent(causeValue)) {
    const cause = causeFromValue(causeValue);
    if (typeof cause === 'string') dropped = withDropped(dropped, CDR_FIELDS.cause, cause);
    else cdr.cause = cause;
  }

  dropped = readShortText(record, CDR_FIELDS.cell, cdr, 'cell', dropped);

  dropped = readDigits(record, CDR_FIELDS.imsi, cdr, 'imsi', 5, 15, dropped);
  dropped = readDigits(record, CDR_FIELDS.imei, cdr, 'imei', 14, 16, dropped);
  dropped = readShortText(record, CDR_FIELDS.switchId, cdr, 'switchId', dropped);
  dropped = readShortText(record, CDR_FIELDS.trunkIn, cdr, 'trunkIn', dropped);
  return readShortText(record, CDR_FIELDS.trunkOut, cdr, 'trunkOut', dropped);
}

function booleanFromValue(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return booleanFromNumber(value);
  if (typeof value !== 'string') return -1;
  const length = toAsciiScratch(value);
  return length < 0 ? -1 : parseBooleanBytes(asciiScratch, 0, length);
}

function causeFromValue(value: unknown): number | CdrDropReason {
  if (typeof value === 'number') return causeFromNumber(value);
  if (typeof value !== 'string') return 'invalid_value';
  const cause = decimalFromText(value);
  return Number.isNaN(cause) ? 'invalid_value' : causeFromNumber(cause);
}

/** `imsi` / `imei`: digits as a string, or a JSON integer standing for its digits. */
function readDigits(
  record: Record<string, unknown>,
  field: string,
  cdr: Cdr,
  key: 'imsi' | 'imei',
  minDigits: number,
  maxDigits: number,
  dropped: DroppedField[] | undefined,
): DroppedField[] | undefined {
  const value = record[field];
  if (isAbsent(value)) return dropped;
  const text =
    typeof value === 'string' ? value : typeof value === 'number' ? digitsFromNumber(value) : undefined;
  if (text === undefined) return withDropped(dropped, field, 'invalid_value');
  const problem = digitTextProblem(text, minDigits, maxDigits);
  if (problem !== undefined) return withDropped(dropped, field, problem);
  cdr[key] = text;
  return dropped;
}

function readShortText(
  record: Record<string, unknown>,
  field: string,
  cdr: Cdr,
  key: 'cell' | 'switchId' | 'trunkIn' | 'trunkOut',
  dropped: DroppedField[] | undefined,
): DroppedField[] | undefined {
  const value = record[field];
  if (isAbsent(value)) return dropped;
  const problem = typeof value === 'string' ? shortTextProblem(value) : 'invalid_value';
  if (problem !== undefined) return withDropped(dropped, field, problem);
  cdr[key] = value as string;
  return dropped;
}
