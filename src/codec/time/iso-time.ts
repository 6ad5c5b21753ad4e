/**
 * ISO-8601 / RFC 3339 timestamps with a mandatory zone, parsed with a character loop: the decoder runs this
 * once per CDR, and `Date.parse` both costs more and accepts zone-less strings it would read as local time.
 *
 * Grammar accepted (case-insensitive `T`/`Z`):
 *   date     = YYYY "-" MM "-" DD
 *   time     = HH ":" MM [ ":" SS [ ("." | ",") 1*9DIGIT ] ]
 *   zone     = "Z" | ("+" | "-") HH [ [":"] MM ]
 *   datetime = date ("T" | " ") time zone
 * Fractions beyond milliseconds are truncated. Leap seconds (`:60`) are rejected.
 *
 * Written once, over bytes (the decoder reads `start` straight from the message); text goes through the ASCII
 * scratch (ascii-text.ts).
 */
import { asciiScratch, toAsciiScratch } from '../ascii-text.js';

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

const CHAR_0 = 48;
const CHAR_PLUS = 43;
const CHAR_MINUS = 45;
const CHAR_COLON = 58;
const CHAR_DOT = 46;
const CHAR_COMMA = 44;
const CHAR_SPACE = 32;
const CHAR_T = 84;
const CHAR_LOWER_T = 116;
const CHAR_Z = 90;
const CHAR_LOWER_Z = 122;

/** Days from 1970-01-01 to the given proleptic Gregorian date (month 1..12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  // Shift the year to start in March so the leap day is the last day of the shifted year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shiftedMonth = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Epoch ms of a wall-clock time read as UTC; fields are assumed already range-checked. */
export function utcFieldsToEpochMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millisecond: number,
): number {
  return (
    daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millisecond
  );
}

/** The byte at `at`, or -1 past `end` (so no comparison with a character matches). */
function byteAt(bytes: Uint8Array, at: number, end: number): number {
  return at < end ? bytes[at]! : -1;
}

/** Reads `count` ASCII digits at `at`; -1 when any is not a digit (or the span is too short). */
function digitsAt(bytes: Uint8Array, at: number, end: number, count: number): number {
  if (at + count > end) return -1;
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = bytes[i]! - CHAR_0;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** Two ASCII digits at `at` (known to be inside the span); -1 when either is not a digit. */
function twoDigitsAt(bytes: Uint8Array, at: number): number {
  const tens = bytes[at]! - CHAR_0;
  const ones = bytes[at + 1]! - CHAR_0;
  // `>>> 0` turns a negative difference into a large one, so one comparison checks each digit.
  return tens >>> 0 > 9 || ones >>> 0 > 9 ? -1 : tens * 10 + ones;
}

// The last date read and its day number: a stream's records mostly share their date, and the calendar
// arithmetic costs more than the rest of the parse.
let lastDateKey = -1;
let lastDays = 0;

/** Days since 1970-01-01 of a date, NaN when it does not exist (month 13, February 30). */
function daysOfDate(year: number, month: number, day: number): number {
  const key = (year * 100 + month) * 100 + day;
  if (key === lastDateKey) return lastDays;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  lastDays = daysFromCivil(year, month, day);
  lastDateKey = key;
  return lastDays;
}

/** Checks the date and time fields shared by the ISO parser and the CSV reader. */
export function validCivilFields(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): boolean {
  return (
    year >= 0 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour >= 0 &&
    hour <= 23 &&
    minute >= 0 &&
    minute <= 59 &&
    second >= 0 &&
    second <= 59
  );
}

/**
 * Parses an ISO-8601 timestamp that carries a zone. Returns epoch milliseconds, or NaN when the text is not
 * in the accepted grammar (including when the zone is missing).
 */
export function parseIsoTimestampMs(text: string): number {
  const length = toAsciiScratch(text);
  return length < 0 ? Number.NaN : parseIsoTimestampBytes(asciiScratch, 0, length);
}

/** `parseIsoTimestampMs` over the ASCII bytes `bytes[start, end)`, for the decoder's byte scanner. */
export function parseIsoTimestampBytes(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length < 17 || length > 40) return Number.NaN;
  const century = twoDigitsAt(bytes, start);
  const yearOfCentury = twoDigitsAt(bytes, start + 2);
  const month = twoDigitsAt(bytes, start + 5);
  const day = twoDigitsAt(bytes, start + 8);
  const hour = twoDigitsAt(bytes, start + 11);
  const minute = twoDigitsAt(bytes, start + 14);
  if ((century | yearOfCentury | month | day | hour | minute) < 0) return Number.NaN;
  const separator = bytes[start + 10];
  if (
    bytes[start + 4] !== CHAR_MINUS ||
    bytes[start + 7] !== CHAR_MINUS ||
    (separator !== CHAR_T && separator !== CHAR_LOWER_T && separator !== CHAR_SPACE) ||
    bytes[start + 13] !== CHAR_COLON
  ) {
    return Number.NaN;
  }

  let at = start + 16;
  let second = 0;
  let millisecond = 0;
  if (bytes[at] === CHAR_COLON) {
    second = at + 3 <= end ? twoDigitsAt(bytes, at + 1) : -1;
    if (second < 0) return Number.NaN;
    at += 3;
    const mark = byteAt(bytes, at, end);
    if (mark === CHAR_DOT || mark === CHAR_COMMA) {
      at++;
      const fractionStart = at;
      let scale = 100;
      while (at < end) {
        const digit = bytes[at]! - CHAR_0;
        if (digit < 0 || digit > 9) break;
        millisecond += digit * scale;
        scale /= 10;
        at++;
      }
      const fractionDigits = at - fractionStart;
      if (fractionDigits === 0 || fractionDigits > 9) return Number.NaN;
      millisecond = Math.floor(millisecond);
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return Number.NaN;
  const days = daysOfDate(century * 100 + yearOfCentury, month, day);
  if (Number.isNaN(days)) return Number.NaN;

  const offsetMinutes = parseZoneMinutes(bytes, at, end);
  if (Number.isNaN(offsetMinutes)) return Number.NaN;
  return (
    days * MS_PER_DAY +
    ((hour * 60 + minute) * 60 + second) * 1000 +
    millisecond -
    offsetMinutes * MS_PER_MINUTE
  );
}

/** The zone designator from `at` to `end`, as minutes east of UTC; NaN when absent or malformed. */
function parseZoneMinutes(bytes: Uint8Array, at: number, end: number): number {
  const mark = byteAt(bytes, at, end);
  if (mark === CHAR_Z || mark === CHAR_LOWER_Z) return at + 1 === end ? 0 : Number.NaN;
  if (mark !== CHAR_PLUS && mark !== CHAR_MINUS) return Number.NaN;
  const sign = mark === CHAR_MINUS ? -1 : 1;
  const hours = digitsAt(bytes, at + 1, end, 2);
  if (hours < 0 || hours > 23) return Number.NaN;
  let minutes = 0;
  const rest = end - (at + 3);
  if (rest === 3 && bytes[at + 3] === CHAR_COLON) {
    minutes = digitsAt(bytes, at + 4, end, 2);
  } else if (rest === 2) {
    minutes = digitsAt(bytes, at + 3, end, 2);
  } else if (rest !== 0) {
    return Number.NaN;
  }
  if (minutes < 0 || minutes > 59) return Number.NaN;
  return sign * (hours * 60 + minutes);
}

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/**
 * `new Date(epochMs).toISOString()` for years 0000–9999, several times faster (no Date object): the encoder
 * writes one per published CDR.
 */
export function formatIsoUtcMs(epochMs: number): string {
  const days = Math.floor(epochMs / MS_PER_DAY);
  let msOfDay = epochMs - days * MS_PER_DAY;
  // Civil date from days since 1970-01-01 (inverse of daysFromCivil).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(msOfDay / 3_600_000);
  msOfDay -= hour * 3_600_000;
  const minute = Math.floor(msOfDay / 60_000);
  msOfDay -= minute * 60_000;
  const second = Math.floor(msOfDay / 1000);
  const millisecond = msOfDay - second * 1000;
  const ms =
    millisecond < 10 ? `00${millisecond}` : millisecond < 100 ? `0${millisecond}` : String(millisecond);
  const yearText = year < 1000 ? String(year).padStart(4, '0') : String(year);
  return `${yearText}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}.${ms}Z`;
}
