/**
 * The byte scanner's second half: per-field slots that cdr-scanner.ts fills while it checks a message's JSON,
 * and the reading of those slots into a `Cdr` by the contract's rules, the same functions the object validator
 * applies (lenient-values.ts). A slot records where its value lies in the message and what kind of JSON value it
 * is; numbers are already numbers, text is cut out only for the fields that keep text.
 *
 * Module state, reused for every message: the decoder is synchronous and never calls out while a message's
 * slots are in use.
 */
import type { Cdr, CdrDropReason, DecodeOptions, DecodeResult, DroppedField } from './cdr.js';
import * as cdrContract from './cdr.js';
import * as asciiText from './ascii-text.js';
import * as cdrFields from './cdr-fields.js';
import * as lenientValues from './lenient-values.js';
import * as textIntern from './text-intern.js';

// Module-local copies, so that V8 compiles them into the code instead of reading an imported binding from its
// module cell at every use (see src/windows/caller-record.ts): this file runs once per decoded message.
const { CDR_FIELDS, DEFAULT_MAX_FUTURE_SKEW_MS, MAX_CALL_ID_LENGTH, MAX_DURATION_SECONDS } = cdrContract;
const { MAX_SHORT_TEXT_LENGTH, MIN_START_MS } = cdrContract;
const { latin1Text, utf8Text } = asciiText;
const { isPrintableText, parsePhoneDigitsBytes } = cdrFields;
const { booleanFromNumber, causeFromNumber, digitTextProblem, digitsFromNumber, epochToMs } = lenientValues;
const { NO_DROPPED_FIELDS, parseBooleanBytes, parseDecimalBytes, parseDirectionBytes } = lenientValues;
const { parseStartBytes, phoneFromNumber, shortTextProblem, wholeNumberIn, withDropped } = lenientValues;
const { internAsciiText } = textIntern;

/** Wire names by slot: the order of `CDR_FIELDS`. */
export const WIRE_NAMES = Object.values(CDR_FIELDS);
const CALL_ID = 0;
const CALLER = 1;
const CALLEE = 2;
const START = 3;
const DURATION = 4;
const ANSWERED = 5;
const DIRECTION = 6;
const CAUSE = 7;
const CELL = 8;
const IMSI = 9;
const IMEI = 10;
const SWITCH = 11;
const TRUNK_IN = 12;
const TRUNK_OUT = 13;

/** What a slot holds. `ABSENT` also stands for `null` and `""`, which the contract treats as absent. */
export const ABSENT = 0;
/** A string of printable ASCII only (0x20..0x7e): its bytes are its characters. */
export const TEXT_SIMPLE = 1;
/** Any other well-formed string (with DEL or non-ASCII UTF-8): decoded and checked as text. */
export const TEXT_OTHER = 2;
export const NUMBER = 3;
export const TRUE = 4;
export const FALSE = 5;

export const slotKind = new Uint8Array(WIRE_NAMES.length);
/** Start and end of a text value's bytes, inside the quotes. */
export const slotStart = new Int32Array(WIRE_NAMES.length);
export const slotEnd = new Int32Array(WIRE_NAMES.length);
/** A number value, as JSON.parse reads it. */
export const slotNumber = new Float64Array(WIRE_NAMES.length);

export function clearSlots(): void {
  for (let slot = 0; slot < slotKind.length; slot++) slotKind[slot] = ABSENT;
}

function slotText(bytes: Uint8Array, slot: number): string {
  return slotKind[slot] === TEXT_SIMPLE
    ? latin1Text(bytes, slotStart[slot]!, slotEnd[slot]!)
    : utf8Text(bytes, slotStart[slot]!, slotEnd[slot]!);
}

/**
 * `isPrintableText` for a simple text slot, from its bytes: they are all printable ASCII already, so only the
 * length and the leading and trailing spaces remain to check.
 */
function simpleTextIsPrintable(bytes: Uint8Array, slot: number, maxLength: number): boolean {
  const start = slotStart[slot]!;
  const end = slotEnd[slot]!;
  return end - start <= maxLength && bytes[start] !== 0x20 && bytes[end - 1] !== 0x20;
}

function phoneAt(bytes: Uint8Array, slot: number): number {
  const kind = slotKind[slot];
  if (kind === TEXT_SIMPLE) return parsePhoneDigitsBytes(bytes, slotStart[slot]!, slotEnd[slot]!);
  return kind === NUMBER ? phoneFromNumber(slotNumber[slot]!) : -1;
}

/** A number slot's value, a simple text slot's decimal value, NaN for anything else. */
function decimalAt(bytes: Uint8Array, slot: number): number {
  const kind = slotKind[slot];
  if (kind === NUMBER) return slotNumber[slot]!;
  return kind === TEXT_SIMPLE ? parseDecimalBytes(bytes, slotStart[slot]!, slotEnd[slot]!) : Number.NaN;
}

/** The record in the filled slots, or undefined when a required field would reject it. */
export function readScannedRecord(
  bytes: Uint8Array,
  options: DecodeOptions | undefined,
): DecodeResult | undefined {
  let callId: string;
  if (slotKind[CALL_ID] === TEXT_SIMPLE) {
    if (!simpleTextIsPrintable(bytes, CALL_ID, MAX_CALL_ID_LENGTH)) return undefined;
    callId = latin1Text(bytes, slotStart[CALL_ID]!, slotEnd[CALL_ID]!);
  } else if (slotKind[CALL_ID] === TEXT_OTHER) {
    callId = slotText(bytes, CALL_ID);
    if (!isPrintableText(callId, MAX_CALL_ID_LENGTH)) return undefined;
  } else {
    return undefined;
  }
  const caller = phoneAt(bytes, CALLER);
  if (caller < 0) return undefined;
  const callee = phoneAt(bytes, CALLEE);
  if (callee < 0) return undefined;

  const startKind = slotKind[START];
  let startMs = Number.NaN;
  if (startKind === TEXT_SIMPLE) startMs = parseStartBytes(bytes, slotStart[START]!, slotEnd[START]!);
  else if (startKind === NUMBER) startMs = epochToMs(slotNumber[START]!);
  // The bounds of checkStart (cdr-validator.ts); NaN fails the comparison.
  const nowMs = options?.nowMs ?? Date.now();
  const maxSkewMs = options?.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;
  if (!(startMs >= MIN_START_MS && startMs <= nowMs + maxSkewMs)) return undefined;

  const durationSeconds = wholeNumberIn(decimalAt(bytes, DURATION), MAX_DURATION_SECONDS);
  if (durationSeconds < 0) return undefined;

  const cdr: Cdr = { callId, caller, callee, startMs, durationSeconds };
  const dropped = readOptionalSlots(bytes, cdr);
  return { ok: true, cdr, dropped };
}

// The dropped list of the record being read; undefined until its first drop.
let droppedFields: DroppedField[] | undefined;

function drop(slot: number, reason: CdrDropReason): void {
  droppedFields = withDropped(droppedFields, WIRE_NAMES[slot]!, reason);
}

/**
 * The optional fields, in the object validator's order and by its rules. Each is assigned by name: a store
 * through a computed key that varies would be megamorphic.
 */
function readOptionalSlots(bytes: Uint8Array, cdr: Cdr): readonly DroppedField[] {
  droppedFields = undefined;

  const answeredKind = slotKind[ANSWERED];
  if (answeredKind !== ABSENT) {
    let flag = -1;
    if (answeredKind === TRUE) flag = 1;
    else if (answeredKind === FALSE) flag = 0;
    else if (answeredKind === NUMBER) flag = booleanFromNumber(slotNumber[ANSWERED]!);
    else if (answeredKind === TEXT_SIMPLE)
      flag = parseBooleanBytes(bytes, slotStart[ANSWERED]!, slotEnd[ANSWERED]!);
    if (flag < 0) drop(ANSWERED, 'invalid_value');
    else cdr.answered = flag === 1;
  }

  const directionKind = slotKind[DIRECTION];
  if (directionKind !== ABSENT) {
    const direction =
      directionKind === TEXT_SIMPLE
        ? parseDirectionBytes(bytes, slotStart[DIRECTION]!, slotEnd[DIRECTION]!)
        : undefined;
    if (direction === undefined) drop(DIRECTION, 'invalid_value');
    else cdr.direction = direction;
  }

  if (slotKind[CAUSE] !== ABSENT) {
    const value = decimalAt(bytes, CAUSE);
    const cause = Number.isNaN(value) ? 'invalid_value' : causeFromNumber(value);
    if (typeof cause === 'string') drop(CAUSE, cause);
    else cdr.cause = cause;
  }

  const cell = shortTextAt(bytes, CELL);
  if (cell !== undefined) cdr.cell = cell;
  const imsi = digitsAt(bytes, IMSI, 5, 15);
  if (imsi !== undefined) cdr.imsi = imsi;
  const imei = digitsAt(bytes, IMEI, 14, 16);
  if (imei !== undefined) cdr.imei = imei;
  const switchId = shortTextAt(bytes, SWITCH);
  if (switchId !== undefined) cdr.switchId = switchId;
  const trunkIn = shortTextAt(bytes, TRUNK_IN);
  if (trunkIn !== undefined) cdr.trunkIn = trunkIn;
  const trunkOut = shortTextAt(bytes, TRUNK_OUT);
  if (trunkOut !== undefined) cdr.trunkOut = trunkOut;

  return droppedFields ?? NO_DROPPED_FIELDS;
}

/** `shortTextProblem` of a simple text slot, from its bytes (see simpleTextIsPrintable). */
function simpleTextProblem(bytes: Uint8Array, slot: number): CdrDropReason | undefined {
  if (slotEnd[slot]! - slotStart[slot]! > MAX_SHORT_TEXT_LENGTH) return 'too_long';
  return simpleTextIsPrintable(bytes, slot, MAX_SHORT_TEXT_LENGTH) ? undefined : 'invalid_value';
}

/** A short free-text field's value; undefined when absent or dropped. */
function shortTextAt(bytes: Uint8Array, slot: number): string | undefined {
  const kind = slotKind[slot];
  if (kind === ABSENT) return undefined;
  let problem: CdrDropReason | undefined = 'invalid_value';
  let text: string | undefined;
  if (kind === TEXT_SIMPLE) {
    problem = simpleTextProblem(bytes, slot);
    if (problem === undefined) text = internAsciiText(bytes, slotStart[slot]!, slotEnd[slot]!);
  } else if (kind === TEXT_OTHER) {
    text = slotText(bytes, slot);
    problem = shortTextProblem(text);
  }
  if (problem === undefined) return text;
  drop(slot, problem);
  return undefined;
}

/** A digit-string field's value (a JSON integer stands for its digits); undefined when absent or dropped. */
function digitsAt(bytes: Uint8Array, slot: number, minDigits: number, maxDigits: number): string | undefined {
  const kind = slotKind[slot];
  if (kind === ABSENT) return undefined;
  let text: string | undefined;
  if (kind === NUMBER) text = digitsFromNumber(slotNumber[slot]!);
  else if (kind === TEXT_SIMPLE || kind === TEXT_OTHER) text = slotText(bytes, slot);
  const problem = text === undefined ? 'invalid_value' : digitTextProblem(text, minDigits, maxDigits);
  if (problem === undefined) return text;
  drop(slot, problem);
  return undefined;
}
