/**
 * Call start times as switches write them → epoch milliseconds. Formats:
 * - `iso`: ISO-8601; with a zone it is exact, without one it is read in the configured zone.
 * - `epoch_s`, `epoch_ms`, `epoch_us`: a number or a decimal string (FreeSWITCH writes `"1718000000"`).
 * - a pattern of the tokens `YYYY MM DD HH mm ss SSS Z` and literal characters (letters: only `T`), e.g.
 *   `YYYY-MM-DD HH:mm:ss` (Asterisk's Master.csv) or `DD/MM/YYYY HH:mm`. `Z` reads `Z` or an offset
 *   (`+01:00`, `+0100`); without it the time is local to the configured zone.
 * A reader returns NaN for text it cannot read; the contract validator then rejects the record with
 * `invalid_start`, so a reader never decides what is too old or too far ahead.
 */
import { parseIsoTimestampMs, validCivilFields } from './iso-time.js';
import { createZonedClock, type ZonedClock } from './zoned-time.js';

export const EPOCH_TIME_FORMATS = ['epoch_s', 'epoch_ms', 'epoch_us'] as const;
export type TimeFormat = 'iso' | (typeof EPOCH_TIME_FORMATS)[number] | (string & {});

/** Reads one time value (string or number) into epoch ms, NaN when unreadable. */
export type TimeReader = (value: unknown) => number;

const DECIMAL = /^\d+(\.\d+)?$/;
const ZONELESS_ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/;
const TOKENS = ['YYYY', 'SSS', 'MM', 'DD', 'HH', 'mm', 'ss', 'Z'] as const;
type Token = (typeof TOKENS)[number];
const TOKEN_PATTERN: Record<Token, string> = {
  YYYY: '(\\d{4})',
  MM: '(\\d{1,2})',
  DD: '(\\d{1,2})',
  HH: '(\\d{1,2})',
  mm: '(\\d{2})',
  ss: '(\\d{2})',
  SSS: '(\\d{1,9})',
  Z: '(Z|z|[+-]\\d{2}:?\\d{2})',
};
const REQUIRED_TOKENS: readonly Token[] = ['YYYY', 'MM', 'DD', 'HH', 'mm'];

interface CompiledPattern {
  regex: RegExp;
  /** Token captured by each group, in order. */
  groups: Token[];
}

function compilePattern(pattern: string): CompiledPattern | string {
  let source = '^';
  const groups: Token[] = [];
  for (let at = 0; at < pattern.length;) {
    const token = TOKENS.find((candidate) => pattern.startsWith(candidate, at));
    if (token === undefined) {
      const char = pattern[at] as string;
      // `T` is ISO's date/time separator; any other letter is most likely a mistyped token.
      if (/[A-Za-z]/.test(char) && char !== 'T') {
        return `unknown token at "${pattern.slice(at)}" (tokens: ${TOKENS.join(' ')}; the only literal letter is T)`;
      }
      source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      at += 1;
      continue;
    }
    if (groups.includes(token)) return `token ${token} appears twice`;
    groups.push(token);
    source += TOKEN_PATTERN[token];
    at += token.length;
  }
  const missing = REQUIRED_TOKENS.filter((token) => !groups.includes(token));
  if (missing.length > 0) return `a time pattern needs ${missing.join(', ')}`;
  return { regex: new RegExp(`${source}$`), groups };
}

/** Undefined when `format` is usable; otherwise why not (for mapping-file and config errors). */
export function timeFormatProblem(format: string): string | undefined {
  if (format === 'iso' || (EPOCH_TIME_FORMATS as readonly string[]).includes(format)) return undefined;
  const compiled = compilePattern(format);
  return typeof compiled === 'string' ? compiled : undefined;
}

function zoneOffsetMinutes(text: string): number {
  if (text === 'Z' || text === 'z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4));
  if (hours > 23 || minutes > 59) return Number.NaN;
  return sign * (hours * 60 + minutes);
}

function fractionMs(text: string | undefined): number {
  return text === undefined ? 0 : Math.floor(Number(`0.${text}`) * 1_000);
}

function readEpoch(value: unknown, unit: (typeof EPOCH_TIME_FORMATS)[number]): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && DECIMAL.test(value.trim())) n = Number(value.trim());
  else return Number.NaN;
  if (!Number.isFinite(n) || n < 0) return Number.NaN;
  // Integer µs / 1000 is exact where µs × 0.001 can land a hair below the millisecond.
  if (unit === 'epoch_us') return Math.floor(n / 1_000);
  return unit === 'epoch_s' ? Math.round(n * 1_000) : Math.floor(n);
}

function civilMs(clock: ZonedClock, fields: number[], millisecond: number): number {
  const [year, month, day, hour, minute, second] = fields as [number, number, number, number, number, number];
  if (!validCivilFields(year, month, day, hour, minute, second)) return Number.NaN;
  return clock({ year, month, day, hour, minute, second }) + millisecond;
}

function isoReader(clock: ZonedClock): TimeReader {
  return (value) => {
    if (typeof value !== 'string') return Number.NaN;
    const text = value.trim();
    const exact = parseIsoTimestampMs(text);
    if (!Number.isNaN(exact)) return exact;
    const match = ZONELESS_ISO.exec(text);
    if (match === null) return Number.NaN;
    const fields = [1, 2, 3, 4, 5, 6].map((group) => Number(match[group] ?? 0));
    return civilMs(clock, fields, fractionMs(match[7]));
  };
}

function patternReader(compiled: CompiledPattern, clock: ZonedClock): TimeReader {
  const utc = createZonedClock('UTC');
  return (value) => {
    if (typeof value !== 'string') return Number.NaN;
    const match = compiled.regex.exec(value.trim());
    if (match === null) return Number.NaN;
    const part = (token: Token): string | undefined => {
      const at = compiled.groups.indexOf(token);
      return at < 0 ? undefined : match[at + 1];
    };
    const fields = (['YYYY', 'MM', 'DD', 'HH', 'mm', 'ss'] as const).map((token) => Number(part(token) ?? 0));
    const zone = part('Z');
    if (zone === undefined) return civilMs(clock, fields, fractionMs(part('SSS')));
    const offset = zoneOffsetMinutes(zone);
    const asUtc = civilMs(utc, fields, fractionMs(part('SSS')));
    return asUtc - offset * 60_000;
  };
}

/**
 * A reader for `format`, reading zone-less times in `timeZone` (IANA). Throws RangeError for a format
 * `timeFormatProblem` rejects and InvalidTimeZoneError for an unknown zone: both are configuration faults.
 */
export function createTimeReader(format: TimeFormat, timeZone: string = 'UTC'): TimeReader {
  const epoch = EPOCH_TIME_FORMATS.find((candidate) => candidate === format);
  if (epoch !== undefined) return (value) => readEpoch(value, epoch);
  const clock = createZonedClock(timeZone);
  if (format === 'iso') return isoReader(clock);
  const compiled = compilePattern(format);
  if (typeof compiled === 'string')
    throw new RangeError(`time format ${JSON.stringify(format)}: ${compiled}`);
  return patternReader(compiled, clock);
}
