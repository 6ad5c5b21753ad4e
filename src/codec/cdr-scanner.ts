/**
 * The decoder's fast path: one pass over the message bytes for the common case, a flat contract object whose
 * keys are plain ASCII and whose string values carry no escapes (non-ASCII UTF-8 is fine). It checks the JSON
 * grammar and UTF-8 well-formedness as it goes, notes where each known field's value lies, then reads the
 * values straight from the bytes: no TextDecoder, no JSON.parse, no string for a number, a phone number or a
 * timestamp, and no regex or Date.parse.
 *
 * It returns a result only for records it accepts. Anything else (nested values, escapes, a rejection of any
 * kind, bytes that are not JSON or not UTF-8) returns undefined, and the caller decodes the message the slow
 * way, with `JSON.parse` and the object validator (cdr-validator.ts), which alone writes rejections. The
 * value rules are the same functions on both paths (lenient-values.ts), and the property tests check that
 * both give equal results on random input.
 *
 * Not re-entrant: the per-field slots are module state, reused for every message (the decoder is
 * synchronous and never calls out while they are in use).
 */
import type { DecodeOptions, DecodeResult } from './cdr.js';
import * as asciiText from './ascii-text.js';
import * as scannedRecord from './scanned-record.js';
import * as utf8Check from './utf8-check.js';

// Module-local copies, so that V8 compiles them into the code instead of reading an imported binding from its
// module cell at every use (see src/windows/caller-record.ts): this file runs once per byte of every message.
const { latin1Text } = asciiText;
const { clearSlots, readScannedRecord, slotEnd, slotKind, slotNumber, slotStart, WIRE_NAMES } = scannedRecord;
const { ABSENT, FALSE, NUMBER, TEXT_OTHER, TEXT_SIMPLE, TRUE } = scannedRecord;
const { utf8SequenceEnd } = utf8Check;

const CHAR_QUOTE = 0x22;
const CHAR_BACKSLASH = 0x5c;
const CHAR_COMMA = 0x2c;
const CHAR_COLON = 0x3a;
const CHAR_OPEN_BRACE = 0x7b;
const CHAR_CLOSE_BRACE = 0x7d;
const CHAR_MINUS = 0x2d;
const CHAR_PLUS = 0x2b;
const CHAR_DOT = 0x2e;
const CHAR_0 = 0x30;
const CHAR_9 = 0x39;
const CHAR_LOWER_E = 0x65;
const CHAR_UPPER_E = 0x45;
const CHAR_LOWER_F = 0x66;
const CHAR_LOWER_N = 0x6e;
const CHAR_LOWER_T = 0x74;

/**
 * Keys are matched where they stand, without a pass to find their end first: a key is a contract name when its
 * bytes and the closing quote after them are there. The first try is the key that followed the previous one
 * in the last message (switches write their fields in a fixed order, so this is nearly always right); then
 * the names sharing the key's first byte (at most five, e.g. `c` for call_id, caller, callee, cause, cell).
 */
const KEY_TEXT = Uint8Array.from(WIRE_NAMES.join(''), (char) => char.charCodeAt(0));
const KEY_OFFSET = new Int32Array(WIRE_NAMES.length);
const KEY_LENGTH = Int32Array.from(WIRE_NAMES, (name) => name.length);
const CANDIDATES_PER_BYTE = 6;
/** Slots by first byte, six entries each: no byte starts more than five names, so each list ends in -1. */
const KEY_CANDIDATES = new Int8Array(128 * CANDIDATES_PER_BYTE).fill(-1);
{
  let offset = 0;
  WIRE_NAMES.forEach((name, slot) => {
    KEY_OFFSET[slot] = offset;
    offset += name.length;
    let at = name.charCodeAt(0) * CANDIDATES_PER_BYTE;
    while (KEY_CANDIDATES[at]! >= 0) at++;
    KEY_CANDIDATES[at] = slot;
  });
}
/** The key seen after slot `s` last time, at `s + 1` (the first key of a message at 0); -1 for none. */
const NEXT_KEY_GUESS = new Int8Array(WIRE_NAMES.length + 1).fill(-1);

/** True when the contract key of `slot`, then a closing quote, stands at `at`. */
function isKeyAt(bytes: Uint8Array, at: number, end: number, slot: number): boolean {
  const length = KEY_LENGTH[slot]!;
  if (at + length >= end || bytes[at + length] !== CHAR_QUOTE) return false;
  const offset = KEY_OFFSET[slot]!;
  let i = 0;
  while (i < length && bytes[at + i] === KEY_TEXT[offset + i]) i++;
  return i === length;
}

/**
 * The slot of the key starting at `at` (just after its opening quote); -1 for a key the contract lacks.
 * `previousKey` is the message's last contract key so far (-1 before the first); the caller keeps it in a local,
 * not module state, so that V8 holds it in a register across the loop instead of storing and reloading it.
 */
function slotOfKeyAt(bytes: Uint8Array, at: number, end: number, previousKey: number): number {
  const guess = NEXT_KEY_GUESS[previousKey + 1]!;
  if (guess >= 0 && isKeyAt(bytes, at, end, guess)) return guess;
  let slot = -1;
  const first = bytes[at]!;
  if (first < 128) {
    for (let candidate = first * CANDIDATES_PER_BYTE; KEY_CANDIDATES[candidate]! >= 0; candidate++) {
      if (isKeyAt(bytes, at, end, KEY_CANDIDATES[candidate]!)) {
        slot = KEY_CANDIDATES[candidate]!;
        break;
      }
    }
  }
  // Unknown keys keep the guess chain where it was: they are skipped, not learnt.
  if (slot >= 0) {
    NEXT_KEY_GUESS[previousKey + 1] = slot;
  }
  return slot;
}

/**
 * Byte classes for strings: 0 for what a simple string holds (printable ASCII but `"` and `\`), 1 for `"`, 2
 * for everything else (escapes, control characters, DEL, non-ASCII lead and continuation bytes).
 */
const BYTE_CLASS = new Uint8Array(256).fill(2);
BYTE_CLASS.fill(0, 0x20, 0x7f);
BYTE_CLASS[CHAR_QUOTE] = 1;
BYTE_CLASS[CHAR_BACKSLASH] = 2;

/** JSON whitespace: space, tab, line feed, carriage return. */
function skipSpace(bytes: Uint8Array, at: number, end: number): number {
  while (at < end) {
    const code = bytes[at]!;
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) break;
    at++;
  }
  return at;
}

/**
 * Decodes `bytes` (already within the size limit) if it is a flat record this path handles and the record is
 * accepted; undefined to hand it to the JSON.parse path.
 */
export function scanCdr(bytes: Uint8Array, options: DecodeOptions | undefined): DecodeResult | undefined {
  const end = bytes.length;
  clearSlots();
  let previousKey = -1;
  let at = skipSpace(bytes, 0, end);
  if (at >= end || bytes[at] !== CHAR_OPEN_BRACE) return undefined;
  at = skipSpace(bytes, at + 1, end);
  // Whitespace between tokens is allowed everywhere; each skip is guarded by a one-byte test, since compact
  // JSON, by far the most common, has none.
  for (;;) {
    if (at + 1 >= end || bytes[at] !== CHAR_QUOTE) return undefined;
    at++;
    const slot = slotOfKeyAt(bytes, at, end, previousKey);
    if (slot >= 0) {
      previousKey = slot;
      at += KEY_LENGTH[slot]!;
    } else {
      // An unknown key (or an empty one): any simple string. Escaped or non-ASCII keys go to JSON.parse, as
      // no contract key needs them.
      while (at < end && BYTE_CLASS[bytes[at]!] === 0) at++;
      if (at >= end || bytes[at] !== CHAR_QUOTE) return undefined;
    }
    at++;
    if (at < end && bytes[at] !== CHAR_COLON) at = skipSpace(bytes, at, end);
    if (at >= end || bytes[at] !== CHAR_COLON) return undefined;
    at++;
    if (at < end && bytes[at]! <= 0x20) at = skipSpace(bytes, at, end);
    at = scanValue(bytes, at, end, slot);
    if (at < 0) return undefined;
    if (at < end && bytes[at]! <= 0x20) at = skipSpace(bytes, at, end);
    if (at >= end) return undefined;
    const next = bytes[at];
    if (next === CHAR_CLOSE_BRACE) break;
    if (next !== CHAR_COMMA) return undefined;
    at++;
    if (at < end && bytes[at] !== CHAR_QUOTE) at = skipSpace(bytes, at, end);
  }
  if (skipSpace(bytes, at + 1, end) !== end) return undefined;
  return readScannedRecord(bytes, options);
}

/**
 * Scans one value at `at` into `slot` (-1: an unknown field, only checked). Returns the index after it, or -1
 * for anything this path leaves to JSON.parse: objects, arrays, escapes, and whatever is not JSON.
 */
function scanValue(bytes: Uint8Array, at: number, end: number, slot: number): number {
  if (at >= end) return -1;
  const first = bytes[at]!;
  if (first === CHAR_QUOTE) {
    const start = at + 1;
    at = start;
    while (at < end && BYTE_CLASS[bytes[at]!] === 0) at++;
    let kind = TEXT_SIMPLE;
    if (at < end && bytes[at] !== CHAR_QUOTE) {
      at = scanOtherString(bytes, at, end);
      if (at < 0) return -1;
      kind = TEXT_OTHER;
    }
    if (at >= end) return -1;
    if (slot >= 0) {
      slotKind[slot] = at === start ? ABSENT : kind;
      slotStart[slot] = start;
      slotEnd[slot] = at;
    }
    return at + 1;
  }
  if (first === CHAR_MINUS || (first >= CHAR_0 && first <= CHAR_9)) return scanNumber(bytes, at, end, slot);
  if (first === CHAR_LOWER_T) return literal(bytes, at, end, TRUE_BYTES, slot, TRUE);
  if (first === CHAR_LOWER_F) return literal(bytes, at, end, FALSE_BYTES, slot, FALSE);
  if (first === CHAR_LOWER_N) return literal(bytes, at, end, NULL_BYTES, slot, ABSENT);
  return -1;
}

/**
 * The rest of a string that is not simple, from `at` to its closing quote (returned); -1 for an escape, a
 * control character or bytes that are not UTF-8, all left to JSON.parse and the fatal TextDecoder.
 */
function scanOtherString(bytes: Uint8Array, at: number, end: number): number {
  while (at < end) {
    const code = bytes[at]!;
    if (code === CHAR_QUOTE) return at;
    if (code < 0x80) {
      if (code === CHAR_BACKSLASH || code < 0x20) return -1;
      at++;
    } else {
      at = utf8SequenceEnd(bytes, at, end);
      if (at < 0) return -1;
    }
  }
  return -1;
}

const TRUE_BYTES = Uint8Array.of(0x74, 0x72, 0x75, 0x65);
const FALSE_BYTES = Uint8Array.of(0x66, 0x61, 0x6c, 0x73, 0x65);
const NULL_BYTES = Uint8Array.of(0x6e, 0x75, 0x6c, 0x6c);

/** `true`, `false` or `null` at `at` (its first byte already checked): the index after it, or -1. */
function literal(
  bytes: Uint8Array,
  at: number,
  end: number,
  word: Uint8Array,
  slot: number,
  kind: number,
): number {
  if (at + word.length > end) return -1;
  for (let i = 1; i < word.length; i++) if (bytes[at + i] !== word[i]) return -1;
  if (slot >= 0) slotKind[slot] = kind;
  return at + word.length;
}

/**
 * A JSON number, `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`. Its value is what JSON.parse gives: computed here for
 * an integer up to 2^53 - 1 (exact in a double, see MAX_EXACT_VALUE in lenient-values.ts; `-0` stays -0), by
 * `Number()` of its text otherwise. A digit right after a leading zero is left for the caller, which finds no
 * `,` or `}` there and gives up.
 */
function scanNumber(bytes: Uint8Array, at: number, end: number, slot: number): number {
  const start = at;
  const negative = bytes[at] === CHAR_MINUS;
  if (negative) at++;
  const digitsStart = at;
  let value = 0;
  if (at < end && bytes[at] === CHAR_0) {
    at++;
  } else {
    while (at < end) {
      const digit = bytes[at]! - CHAR_0;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
      at++;
    }
  }
  if (at === digitsStart) return -1;
  let exact = value <= Number.MAX_SAFE_INTEGER;
  if (at < end && bytes[at] === CHAR_DOT) {
    at = skipDigits(bytes, at + 1, end);
    if (at < 0) return -1;
    exact = false;
  }
  if (at < end && (bytes[at] === CHAR_LOWER_E || bytes[at] === CHAR_UPPER_E)) {
    at++;
    if (at < end && (bytes[at] === CHAR_PLUS || bytes[at] === CHAR_MINUS)) at++;
    at = skipDigits(bytes, at, end);
    if (at < 0) return -1;
    exact = false;
  }
  if (slot >= 0) {
    slotKind[slot] = NUMBER;
    slotNumber[slot] = exact ? (negative ? -value : value) : Number(latin1Text(bytes, start, at));
  }
  return at;
}

/** Skips one or more digits; -1 when there is none. */
function skipDigits(bytes: Uint8Array, at: number, end: number): number {
  const start = at;
  while (at < end && bytes[at]! >= CHAR_0 && bytes[at]! <= CHAR_9) at++;
  return at === start ? -1 : at;
}
