/**
 * CDR decoder: bytes of one NATS message → a validated `Cdr`, or a reason code. Runs once per message on the
 * shard workers' hot path, so it allocates nothing beyond the parsed JSON and the result, and never throws:
 * a bad record is data (it goes to the dead-letter stream), not an exception.
 *
 * Rules (docs/design.md §2): required `call_id`, `caller`, `callee`, `start`, `duration`; optional fields are
 * validated when present. `null` counts as absent, so producers that serialise empty optionals as null are
 * accepted; unknown fields are ignored so switches can add fields without breaking the engine.
 */
import {
  CALL_DIRECTIONS,
  CDR_FIELDS,
  DEFAULT_MAX_CDR_BYTES,
  DEFAULT_MAX_FUTURE_SKEW_MS,
  MAX_CALL_ID_LENGTH,
  MAX_DURATION_SECONDS,
  MAX_SHORT_TEXT_LENGTH,
  MIN_START_MS,
  type CallDirection,
  type Cdr,
  type CdrReason,
  type DecodeOptions,
  type DecodeResult,
} from './cdr.js';
import { describeValue, isDigitString, isPrintableText, parsePhoneDigits } from './cdr-fields.js';
import { parseIsoTimestampMs } from './time/iso-time.js';

// Fatal: a message that is not valid UTF-8 must be rejected, not silently repaired with U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true });

type Rejection = Extract<DecodeResult, { ok: false }>;

function reject(reason: CdrReason, field: string | undefined, message: string): Rejection {
  return { ok: false, reason, field, message };
}

/** Decodes and validates one CDR message. Never throws. */
export function decodeCdr(bytes: Uint8Array, options?: DecodeOptions): DecodeResult {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_CDR_BYTES;
  let text: string;
  try {
    if (bytes.length > maxBytes) {
      return reject('too_large', undefined, `message is ${bytes.length} bytes; the limit is ${maxBytes}`);
    }
    text = utf8.decode(bytes);
  } catch {
    return reject('invalid_encoding', undefined, 'message is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return reject('invalid_json', undefined, 'message is not valid JSON');
  }
  return validateRecord(value, options);
}

/**
 * Validates an already-parsed CDR JSON value (for callers that hold an object, e.g. the HTTP API).
 * Never throws.
 */
export function validateCdrObject(value: unknown, options?: DecodeOptions): DecodeResult {
  try {
    return validateRecord(value, options);
  } catch {
    // Only reachable for objects that are not plain JSON (a getter or proxy that throws).
    return reject('not_an_object', undefined, 'a CDR must be a plain JSON object');
  }
}

function validateRecord(value: unknown, options: DecodeOptions | undefined): DecodeResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject('not_an_object', undefined, `a CDR must be a JSON object, got ${describeValue(value)}`);
  }
  const record = value as Record<string, unknown>;

  const callId = record[CDR_FIELDS.callId];
  if (callId === undefined || callId === null) return missing(CDR_FIELDS.callId);
  if (typeof callId !== 'string' || !isPrintableText(callId, MAX_CALL_ID_LENGTH)) {
    return reject(
      'invalid_call_id',
      CDR_FIELDS.callId,
      `call_id must be 1..${MAX_CALL_ID_LENGTH} printable characters, got ${describeValue(callId)}`,
    );
  }

  const callerValue = record[CDR_FIELDS.caller];
  if (callerValue === undefined || callerValue === null) return missing(CDR_FIELDS.caller);
  const caller = typeof callerValue === 'string' ? parsePhoneDigits(callerValue) : -1;
  if (caller < 0) return badPhone('invalid_caller', CDR_FIELDS.caller, callerValue);

  const calleeValue = record[CDR_FIELDS.callee];
  if (calleeValue === undefined || calleeValue === null) return missing(CDR_FIELDS.callee);
  const callee = typeof calleeValue === 'string' ? parsePhoneDigits(calleeValue) : -1;
  if (callee < 0) return badPhone('invalid_callee', CDR_FIELDS.callee, calleeValue);

  const startValue = record[CDR_FIELDS.startMs];
  if (startValue === undefined || startValue === null) return missing(CDR_FIELDS.startMs);
  const startMs = readStartMs(startValue);
  const startProblem = checkStart(startMs, startValue, options);
  if (startProblem !== undefined) return startProblem;

  const duration = record[CDR_FIELDS.durationSeconds];
  if (duration === undefined || duration === null) return missing(CDR_FIELDS.durationSeconds);
  if (
    typeof duration !== 'number' ||
    !Number.isInteger(duration) ||
    duration < 0 ||
    duration > MAX_DURATION_SECONDS
  ) {
    return reject(
      'bad_duration',
      CDR_FIELDS.durationSeconds,
      `duration must be whole seconds 0..${MAX_DURATION_SECONDS}, got ${describeValue(duration)}`,
    );
  }

  const cdr: Cdr = { callId, caller, callee, startMs, durationSeconds: duration };
  return readOptionalFields(record, cdr);
}

function missing(field: string): Rejection {
  return reject('missing_field', field, `${field} is required`);
}

function badPhone(reason: 'invalid_caller' | 'invalid_callee', field: string, value: unknown): Rejection {
  return reject(
    reason,
    field,
    `${field} must be an E.164 number string (+ optional, 2..15 digits), got ${describeValue(value)}`,
  );
}

function readStartMs(value: unknown): number {
  if (typeof value === 'string') return parseIsoTimestampMs(value);
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  return Number.NaN;
}

function checkStart(
  startMs: number,
  value: unknown,
  options: DecodeOptions | undefined,
): Rejection | undefined {
  if (Number.isNaN(startMs)) {
    return reject(
      'invalid_start',
      CDR_FIELDS.startMs,
      `start must be ISO-8601 with a zone (Z or ±hh:mm) or integer epoch milliseconds, got ${describeValue(value)}`,
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

function badOptional(field: string, rule: string, value: unknown): Rejection {
  return reject('invalid_optional_field', field, `${field} must be ${rule}, got ${describeValue(value)}`);
}

function readOptionalFields(record: Record<string, unknown>, cdr: Cdr): DecodeResult {
  const answered = record[CDR_FIELDS.answered];
  if (answered !== undefined && answered !== null) {
    if (typeof answered !== 'boolean') return badOptional(CDR_FIELDS.answered, 'a boolean', answered);
    cdr.answered = answered;
  }
  const direction = record[CDR_FIELDS.direction];
  if (direction !== undefined && direction !== null) {
    if (direction !== 'inbound' && direction !== 'outbound') {
      return badOptional(CDR_FIELDS.direction, CALL_DIRECTIONS.join(' or '), direction);
    }
    cdr.direction = direction satisfies CallDirection;
  }
  const cause = record[CDR_FIELDS.cause];
  if (cause !== undefined && cause !== null) {
    if (typeof cause !== 'number' || !Number.isInteger(cause) || cause < 0 || cause > 127) {
      return badOptional(CDR_FIELDS.cause, 'a Q.850 cause 0..127', cause);
    }
    cdr.cause = cause;
  }
  const imsi = record[CDR_FIELDS.imsi];
  if (imsi !== undefined && imsi !== null) {
    if (typeof imsi !== 'string' || !isDigitString(imsi, 5, 15))
      return badOptional(CDR_FIELDS.imsi, '5..15 digits', imsi);
    cdr.imsi = imsi;
  }
  const imei = record[CDR_FIELDS.imei];
  if (imei !== undefined && imei !== null) {
    if (typeof imei !== 'string' || !isDigitString(imei, 14, 16))
      return badOptional(CDR_FIELDS.imei, '14..16 digits', imei);
    cdr.imei = imei;
  }
  const cell = readShortText(record, CDR_FIELDS.cell);
  if (typeof cell === 'object') return cell;
  if (cell !== undefined) cdr.cell = cell;
  const switchId = readShortText(record, CDR_FIELDS.switchId);
  if (typeof switchId === 'object') return switchId;
  if (switchId !== undefined) cdr.switchId = switchId;
  const trunkIn = readShortText(record, CDR_FIELDS.trunkIn);
  if (typeof trunkIn === 'object') return trunkIn;
  if (trunkIn !== undefined) cdr.trunkIn = trunkIn;
  const trunkOut = readShortText(record, CDR_FIELDS.trunkOut);
  if (typeof trunkOut === 'object') return trunkOut;
  if (trunkOut !== undefined) cdr.trunkOut = trunkOut;
  return { ok: true, cdr };
}

/** The field's text, undefined when absent, or the rejection when present but not short printable text. */
function readShortText(record: Record<string, unknown>, field: string): string | undefined | Rejection {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !isPrintableText(value, MAX_SHORT_TEXT_LENGTH)) {
    return badOptional(field, `1..${MAX_SHORT_TEXT_LENGTH} printable characters`, value);
  }
  return value;
}
