/**
 * Wall-clock date and time in an IANA zone → epoch ms, with `Intl` only (no dependency), for CSV rows that
 * carry no zone. Offsets are cached per 15-minute UTC bucket: every real zone transition falls on a quarter
 * hour, and formatToParts costs microseconds, too much to call twice per row of a million-row upload.
 */
import { utcFieldsToEpochMs } from './iso-time.js';
import { InvalidTimeZoneError } from '../codec-errors.js';

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const BUCKET_MS = 15 * MS_PER_MINUTE;
const MAX_CACHED_BUCKETS = 100_000;

export interface CivilDateTime {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Converts wall-clock times of one zone to epoch ms. */
export type ZonedClock = (civil: CivilDateTime) => number;

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function isUtcName(timeZone: string): boolean {
  const upper = timeZone.toUpperCase();
  return upper === 'UTC' || upper === 'ETC/UTC' || upper === 'Z' || upper === 'GMT' || upper === 'ETC/GMT';
}

/**
 * A clock for `timeZone`. An ambiguous local time (the repeated hour when clocks go back) maps to its first
 * occurrence; one inside a DST gap is read with the offset from before the gap, i.e. moved forward by the
 * gap's length. Throws InvalidTimeZoneError for an unknown zone.
 */
export function createZonedClock(timeZone: string): ZonedClock {
  const asUtc = (civil: CivilDateTime): number =>
    utcFieldsToEpochMs(civil.year, civil.month, civil.day, civil.hour, civil.minute, civil.second, 0);
  if (isUtcName(timeZone)) return asUtc;

  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch (error) {
    throw new InvalidTimeZoneError(timeZone, { cause: error });
  }
  const offsetByBucket = new Map<number, number>();

  /** Minutes east of UTC in force at `epochMs`. */
  const offsetMinutesAt = (epochMs: number): number => {
    const bucket = Math.floor(epochMs / BUCKET_MS);
    const cached = offsetByBucket.get(bucket);
    if (cached !== undefined) return cached;
    const fields: Record<string, number> = {};
    for (const part of format.formatToParts(bucket * BUCKET_MS)) {
      if (part.type !== 'literal') fields[part.type] = Number(part.value);
    }
    const wallAsUtc = utcFieldsToEpochMs(
      fields.year ?? 1970,
      fields.month ?? 1,
      fields.day ?? 1,
      fields.hour ?? 0,
      fields.minute ?? 0,
      fields.second ?? 0,
      0,
    );
    const offset = Math.round((wallAsUtc - bucket * BUCKET_MS) / MS_PER_MINUTE);
    if (offsetByBucket.size >= MAX_CACHED_BUCKETS) offsetByBucket.clear();
    offsetByBucket.set(bucket, offset);
    return offset;
  };

  return (civil) => {
    const wallMs = asUtc(civil);
    // The offsets in force a day either side bracket any transition near this wall time (zones never change
    // twice within two days). A candidate is right when the offset at the instant it gives is itself.
    const before = offsetMinutesAt(wallMs - MS_PER_DAY);
    const after = offsetMinutesAt(wallMs + MS_PER_DAY);
    const early = wallMs - Math.max(before, after) * MS_PER_MINUTE;
    const late = wallMs - Math.min(before, after) * MS_PER_MINUTE;
    if (offsetMinutesAt(early) * MS_PER_MINUTE === wallMs - early) return early;
    if (offsetMinutesAt(late) * MS_PER_MINUTE === wallMs - late) return late;
    // In a gap (the skipped hour) no instant shows this wall time: use the offset from before the gap, which
    // moves the time forward by the gap's length, as most calendar libraries do.
    return wallMs - before * MS_PER_MINUTE;
  };
}
