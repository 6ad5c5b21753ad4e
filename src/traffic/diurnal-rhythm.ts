/**
 * The daily rhythm of calling: a smooth curve over local time with a night trough (about a tenth of the
 * daytime level around 03:00–04:00), a morning rise, a midday plateau and an evening peak. Normalised so its
 * mean over a day is 1, so "calls per day" keeps its meaning. `timeCompression` runs the local clock faster
 * (a whole day in an hour at 24), for demos that want to show a day's shape in minutes.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

// Relative calling activity at the start of each local hour (operators' busy-hour curves look like this).
const HOURLY_ACTIVITY = [
  0.3, 0.18, 0.11, 0.08, 0.08, 0.14, 0.32, 0.62, 0.95, 1.2, 1.32, 1.38, 1.4, 1.35, 1.3, 1.3, 1.35, 1.45, 1.58,
  1.62, 1.5, 1.2, 0.85, 0.52,
] as const;

const MEAN_ACTIVITY = HOURLY_ACTIVITY.reduce((sum, value) => sum + value, 0) / HOURLY_ACTIVITY.length;

export interface RhythmClock {
  /** UTC offset of the network's local time, in hours. */
  utcOffsetHours: number;
  /** How many simulated local days pass per real day. */
  timeCompression: number;
  /** The instant at which compressed and real clocks agree. */
  anchorMs: number;
}

/** Local time of day in hours [0, 24) on the (possibly compressed) clock. */
export function localHourOfDay(clock: RhythmClock, timeMs: number): number {
  const localMs =
    clock.anchorMs + (timeMs - clock.anchorMs) * clock.timeCompression + clock.utcOffsetHours * HOUR_MS;
  const inDay = ((localMs % DAY_MS) + DAY_MS) % DAY_MS;
  return inDay / HOUR_MS;
}

/** Local day of week, 0 = Sunday, on the (possibly compressed) clock. */
export function localDayOfWeek(clock: RhythmClock, timeMs: number): number {
  const localMs =
    clock.anchorMs + (timeMs - clock.anchorMs) * clock.timeCompression + clock.utcOffsetHours * HOUR_MS;
  // 1970-01-01 was a Thursday.
  return (((Math.floor(localMs / DAY_MS) + 4) % 7) + 7) % 7;
}

/** Calling activity at `timeMs`, mean 1 over a local day. */
export function activityAt(clock: RhythmClock, timeMs: number): number {
  return activityAtHour(localHourOfDay(clock, timeMs));
}

/** Activity at a local hour of day in [0, 24), linearly interpolated between the hourly points. */
export function activityAtHour(hour: number): number {
  const lower = Math.floor(hour) % 24;
  const fraction = hour - Math.floor(hour);
  const a = HOURLY_ACTIVITY[lower] as number;
  const b = HOURLY_ACTIVITY[(lower + 1) % 24] as number;
  return (a + (b - a) * fraction) / MEAN_ACTIVITY;
}

/** True in call-centre opening hours: Monday–Saturday, 08:00–19:00 local. */
export function isBusinessHours(clock: RhythmClock, timeMs: number): boolean {
  const hour = localHourOfDay(clock, timeMs);
  return hour >= 8 && hour < 19 && localDayOfWeek(clock, timeMs) !== 0;
}
