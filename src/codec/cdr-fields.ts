/**
 * Field checks shared by the CDR decoder and the CSV reader. Char loops instead of regexes: they run once or
 * twice per CDR on the hot path, and each returns a sentinel instead of allocating on failure.
 */
import { asciiScratch, toAsciiScratch } from './ascii-text.js';

const CHAR_0 = 48;
const CHAR_1 = 49;
const CHAR_9 = 57;
const CHAR_PLUS = 43;
const CHAR_SPACE = 32;

/** Longest raw phone number accepted (the predecessor's limit; the E.164 rule itself allows 16). */
export const MAX_PHONE_TEXT_LENGTH = 20;

/**
 * Parses `^\+?[1-9]\d{1,14}$` into its digits as an integer; -1 when the text does not match.
 * Fifteen digits stay below 2^53, so the integer is exact.
 */
export function parsePhoneDigits(text: string): number {
  const length = toAsciiScratch(text);
  return length < 0 ? -1 : parsePhoneDigitsBytes(asciiScratch, 0, length);
}

/** `parsePhoneDigits` over the ASCII bytes `bytes[start, end)`, for the decoder's byte scanner. */
export function parsePhoneDigitsBytes(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length === 0 || length > MAX_PHONE_TEXT_LENGTH) return -1;
  let at = bytes[start] === CHAR_PLUS ? start + 1 : start;
  const digitCount = end - at;
  if (digitCount < 2 || digitCount > 15) return -1;
  const first = bytes[at]!;
  if (first < CHAR_1 || first > CHAR_9) return -1;
  let value = 0;
  for (; at < end; at++) {
    const digit = bytes[at]! - CHAR_0;
    // `>>> 0` makes a negative difference large: one comparison rejects every non-digit.
    if (digit >>> 0 > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** True when `text` is `minDigits..maxDigits` ASCII digits. */
export function isDigitString(text: string, minDigits: number, maxDigits: number): boolean {
  const length = text.length;
  if (length < minDigits || length > maxDigits) return false;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < CHAR_0 || code > CHAR_9) return false;
  }
  return true;
}

/**
 * Printable text of 1..maxLength UTF-16 units: no C0/C1 control characters or DEL (they would break the
 * `Nats-Msg-Id` header and log lines), no unpaired surrogates (they cannot be encoded as UTF-8, so two
 * different ids could collide), and no leading or trailing space (NATS trims header values).
 */
export function isPrintableText(text: string, maxLength: number): boolean {
  const length = text.length;
  if (length === 0 || length > maxLength) return false;
  if (text.charCodeAt(0) === CHAR_SPACE || text.charCodeAt(length - 1) === CHAR_SPACE) return false;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return false;
    if (code >= 0xd800 && code <= 0xdfff) {
      // A high surrogate must be followed by a low one; a low one on its own is unpaired.
      if (code >= 0xdc00) return false;
      const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
      if (next < 0xdc00 || next > 0xdfff) return false;
      i++;
    }
  }
  return true;
}

/** A short description of a rejected value for error messages; never throws, never long. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return value.length <= 32
        ? JSON.stringify(value)
        : `${JSON.stringify(value.slice(0, 32))}… (${value.length} chars)`;
    case 'number':
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
