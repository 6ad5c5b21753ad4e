/**
 * How the contract's values may be spelled (docs/design.md §2: "be strict about what detection needs, lenient
 * about how it is spelled"). One function per rule, used by both the byte scanner (cdr-scanner.ts) and the
 * object validator (cdr-validator.ts): text grammars are read over bytes, numbers as numbers, so the two paths
 * agree by construction.
 *
 * | value        | accepted spellings                                                                      |
 * |--------------|-----------------------------------------------------------------------------------------|
 * | whole number | a JSON number, or a decimal string `[+-]?digits[.digits]` of up to 32 characters        |
 * | epoch time   | a whole number (or decimal string) in s (< 1e11), ms (< 1e14) or µs (< 1e17)             |
 * | boolean      | `true`/`false`, the numbers 1/0, the strings "true"/"false"/"1"/"0" in any letter case   |
 * | direction    | "inbound"/"outbound" in any letter case                                                  |
 * | phone number | `^\+?[1-9]\d{1,14}$` as a string, or a JSON number with 2..15 digits                    |
 * | digit string | digits as a string, or a non-negative JSON integer below 2^53                            |
 *
 * No whitespace is trimmed and no exponent is read inside strings: `" 16"` and `"1e3"` are not numbers.
 */
import type { CallDirection, CdrDropReason, DroppedField } from './cdr.js';
import * as cdrContract from './cdr.js';
import * as asciiText from './ascii-text.js';
import * as cdrFields from './cdr-fields.js';
import * as isoTime from './time/iso-time.js';

// Module-local copies, so that V8 compiles them into the code instead of reading an imported binding from its
// module cell at every use (see src/windows/caller-record.ts): these rules run for every field of every message.
const { EPOCH_MICROSECONDS_BELOW, EPOCH_MILLISECONDS_BELOW, EPOCH_SECONDS_BELOW } = cdrContract;
const { MAX_DECIMAL_TEXT_LENGTH, MAX_SHORT_TEXT_LENGTH } = cdrContract;
const { latin1Text } = asciiText;
const { isDigitString, isPrintableText } = cdrFields;
const { parseIsoTimestampBytes } = isoTime;

const CHAR_0 = 48;
const CHAR_1 = 49;
const CHAR_PLUS = 43;
const CHAR_MINUS = 45;
const CHAR_DOT = 46;
/** OR-ing an ASCII letter with this gives its lower case, and only its two cases give that result. */
const LOWER_CASE_BIT = 0x20;

/** Largest phone number: fifteen nines (E.164 allows 15 digits). */
const MAX_PHONE_NUMBER = 999_999_999_999_999;
/**
 * Digits accumulated as `value * 10 + digit` are exact while the value stays at or below 2^53 - 1: every step's
 * result is an integer no larger than the final one. A larger final value means some step rounded (and the
 * rounded value is then at least 2^53), so it goes through `Number()`, which rounds the text correctly. This
 * keeps epoch microseconds (sixteen digits, below 2^53 until the year 2255) off the string path.
 */
const MAX_EXACT_VALUE = Number.MAX_SAFE_INTEGER;

/** The one empty list of dropped fields, shared so a clean record allocates nothing for it. */
export const NO_DROPPED_FIELDS: readonly DroppedField[] = Object.freeze([]);

/** Appends to a record's dropped list, creating it on the first drop. */
export function withDropped(
  list: DroppedField[] | undefined,
  field: string,
  reason: CdrDropReason,
): DroppedField[] {
  const entry: DroppedField = { field, reason };
  if (list === undefined) return [entry];
  list.push(entry);
  return list;
}

/**
 * A decimal string `[+-]?digits[.digits]` in `bytes[start, end)` as a number (what `Number()` gives for it);
 * NaN when the bytes are not in that grammar or longer than MAX_DECIMAL_TEXT_LENGTH.
 */
export function parseDecimalBytes(bytes: Uint8Array, start: number, end: number): number {
  if (end - start > MAX_DECIMAL_TEXT_LENGTH) return Number.NaN;
  let at = start;
  const sign = at < end ? bytes[at] : 0;
  if (sign === CHAR_MINUS || sign === CHAR_PLUS) at++;
  const digitsStart = at;
  let value = 0;
  while (at < end) {
    const digit = bytes[at]! - CHAR_0;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
    at++;
  }
  if (at === digitsStart) return Number.NaN;
  let exact = value <= MAX_EXACT_VALUE;
  if (at < end) {
    if (bytes[at] !== CHAR_DOT) return Number.NaN;
    at++;
    if (at === end) return Number.NaN;
    for (; at < end; at++) {
      const code = bytes[at]!;
      if (code < CHAR_0 || code > CHAR_0 + 9) return Number.NaN;
      // `16.000` is still the integer 16; any other fraction goes through Number() below.
      if (code !== CHAR_0) exact = false;
    }
  }
  if (!exact) return Number(latin1Text(bytes, start, end));
  return sign === CHAR_MINUS ? -value : value;
}

/** Epoch milliseconds of a whole epoch number, its unit read from its size (see EPOCH_SECONDS_BELOW); NaN when not a time. */
export function epochToMs(epoch: number): number {
  if (!Number.isInteger(epoch)) return Number.NaN;
  if (epoch < EPOCH_SECONDS_BELOW) return epoch * 1000;
  if (epoch < EPOCH_MILLISECONDS_BELOW) return epoch;
  if (epoch < EPOCH_MICROSECONDS_BELOW) return Math.floor(epoch / 1000);
  return Number.NaN;
}

/** `start` text: an epoch in decimal digits, else ISO-8601 with a zone. Epoch ms, or NaN. */
export function parseStartBytes(bytes: Uint8Array, start: number, end: number): number {
  // A `-` after four digits is ISO-8601's; a decimal has one only in front. Skip the decimal attempt then.
  if (end - start > 4 && bytes[start + 4] === CHAR_MINUS) return parseIsoTimestampBytes(bytes, start, end);
  const epoch = parseDecimalBytes(bytes, start, end);
  return Number.isNaN(epoch) ? parseIsoTimestampBytes(bytes, start, end) : epochToMs(epoch);
}

/** `value` when it is a whole number in 0..max (with -0 made 0), else -1. */
export function wholeNumberIn(value: number, max: number): number {
  return Number.isInteger(value) && value >= 0 && value <= max ? value + 0 : -1;
}

/** A phone number sent as a JSON number: its digits as an integer, or -1 unless it has 2..15 digits. */
export function phoneFromNumber(value: number): number {
  return Number.isInteger(value) && value >= 10 && value <= MAX_PHONE_NUMBER ? value : -1;
}

/** Boolean text (`true`/`false`/`1`/`0`, any letter case): 1 for true, 0 for false, -1 for anything else. */
export function parseBooleanBytes(bytes: Uint8Array, start: number, end: number): number {
  switch (end - start) {
    case 1: {
      const code = bytes[start];
      return code === CHAR_1 ? 1 : code === CHAR_0 ? 0 : -1;
    }
    case 4:
      return matchesLowerCase(bytes, start, TRUE_TEXT) ? 1 : -1;
    case 5:
      return matchesLowerCase(bytes, start, FALSE_TEXT) ? 0 : -1;
    default:
      return -1;
  }
}

/** A boolean sent as a number: 1 for 1, 0 for 0, -1 for anything else. */
export function booleanFromNumber(value: number): number {
  return value === 1 ? 1 : value === 0 ? 0 : -1;
}

/** `inbound` / `outbound` in any letter case; undefined for anything else. */
export function parseDirectionBytes(
  bytes: Uint8Array,
  start: number,
  end: number,
): CallDirection | undefined {
  const length = end - start;
  if (length === 8) return matchesLowerCase(bytes, start, OUTBOUND_TEXT) ? 'outbound' : undefined;
  if (length === 7) return matchesLowerCase(bytes, start, INBOUND_TEXT) ? 'inbound' : undefined;
  return undefined;
}

function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}
const TRUE_TEXT = asciiBytes('true');
const FALSE_TEXT = asciiBytes('false');
const INBOUND_TEXT = asciiBytes('inbound');
const OUTBOUND_TEXT = asciiBytes('outbound');

/** True when the bytes at `at` spell `lower` (lower-case ASCII letters) in any letter case. */
function matchesLowerCase(bytes: Uint8Array, at: number, lower: Uint8Array): boolean {
  for (let i = 0; i < lower.length; i++) {
    if ((bytes[at + i]! | LOWER_CASE_BIT) !== lower[i]) return false;
  }
  return true;
}

/** A Q.850 cause (0..127) from a number: the cause, or why it is dropped. */
export function causeFromNumber(value: number): number | CdrDropReason {
  if (!Number.isInteger(value)) return 'invalid_value';
  return value >= 0 && value <= 127 ? value + 0 : 'out_of_range';
}

/** Why a digit-string field (`imsi`, `imei`) cannot be kept, or undefined when it can. */
export function digitTextProblem(
  text: string,
  minDigits: number,
  maxDigits: number,
): CdrDropReason | undefined {
  if (text.length > maxDigits) return 'too_long';
  return isDigitString(text, minDigits, maxDigits) ? undefined : 'invalid_value';
}

/** The digits of a digit-string field sent as a JSON number; undefined unless a non-negative safe integer. */
export function digitsFromNumber(value: number): string | undefined {
  return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
}

/** Why a short free-text field (`cell`, `switch`, trunks) cannot be kept, or undefined when it can. */
export function shortTextProblem(text: string): CdrDropReason | undefined {
  if (text.length > MAX_SHORT_TEXT_LENGTH) return 'too_long';
  return isPrintableText(text, MAX_SHORT_TEXT_LENGTH) ? undefined : 'invalid_value';
}
