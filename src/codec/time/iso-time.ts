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
 */

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

/** Reads `count` ASCII digits at `at`; -1 when any is not a digit (or the text is too short). */
function digitsAt(text: string, at: number, count: number): number {
  if (at + count > text.length) return -1;
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - CHAR_0;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
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
  const length = text.length;
  if (length < 17 || length > 40) return Number.NaN;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0) return Number.NaN;
  const separator = text.charCodeAt(10);
  if (
    text.charCodeAt(4) !== CHAR_MINUS ||
    text.charCodeAt(7) !== CHAR_MINUS ||
    (separator !== CHAR_T && separator !== CHAR_LOWER_T && separator !== CHAR_SPACE) ||
    text.charCodeAt(13) !== CHAR_COLON
  ) {
    return Number.NaN;
  }

  let at = 16;
  let second = 0;
  let millisecond = 0;
  if (text.charCodeAt(at) === CHAR_COLON) {
    second = digitsAt(text, at + 1, 2);
    if (second < 0) return Number.NaN;
    at += 3;
    const mark = text.charCodeAt(at);
    if (mark === CHAR_DOT || mark === CHAR_COMMA) {
      at++;
      const fractionStart = at;
      let scale = 100;
      while (at < length) {
        const digit = text.charCodeAt(at) - CHAR_0;
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
  if (!validCivilFields(year, month, day, hour, minute, second)) return Number.NaN;

  const offsetMinutes = parseZoneMinutes(text, at);
  if (Number.isNaN(offsetMinutes)) return Number.NaN;
  return (
    utcFieldsToEpochMs(year, month, day, hour, minute, second, millisecond) - offsetMinutes * MS_PER_MINUTE
  );
}

/** The zone designator starting at `at`, as minutes east of UTC; NaN when absent or malformed. */
function parseZoneMinutes(text: string, at: number): number {
  const length = text.length;
  const mark = text.charCodeAt(at);
  if (mark === CHAR_Z || mark === CHAR_LOWER_Z) return at + 1 === length ? 0 : Number.NaN;
  if (mark !== CHAR_PLUS && mark !== CHAR_MINUS) return Number.NaN;
  const sign = mark === CHAR_MINUS ? -1 : 1;
  const hours = digitsAt(text, at + 1, 2);
  if (hours < 0 || hours > 23) return Number.NaN;
  let minutes = 0;
  const rest = length - (at + 3);
  if (rest === 3 && text.charCodeAt(at + 3) === CHAR_COLON) {
    minutes = digitsAt(text, at + 4, 2);
  } else if (rest === 2) {
    minutes = digitsAt(text, at + 3, 2);
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
