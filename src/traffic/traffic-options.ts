/**
 * Options of the synthetic network, their defaults and validation. Defaults scale with the subscriber count so
 * `{ seed, subscribers, startMs, durationMs }` alone gives a plausible mix. Invalid options are a programming
 * error, so they throw (naming the option and the accepted range), unlike invalid *records*, which are data.
 */
import { MOBILE_NUMBER_CAPACITY } from './number-plan.js';
import { SentinelError } from '../shared/index.js';

/** An inclusive `[min, max]` range. */
export type Range = readonly [min: number, max: number];

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Mobile numbers reserved per SIM box for its SIMs (rotation draws fresh ones from this block). */
export const SIM_NUMBERS_PER_BOX = 65_536;

export interface TrafficOptions {
  /** Any integer; the same seed and options give byte-identical output. */
  seed: number;
  /** Ordinary subscribers (the population that calls and is called). */
  subscribers: number;
  /** First call start, epoch ms. */
  startMs: number;
  /** Calls start in `[startMs, startMs + durationMs)`; records may arrive later. */
  durationMs: number;
  /** Short-duration high-fanout fraudsters (Wangiri one-ring callers and robodiallers). @default max(1, round(subscribers / 20_000)) */
  sdhfCallers?: number;
  /** SIM boxes. @default max(1, round(subscribers / 50_000)) */
  simBoxes?: number;
  /** SIM slots (parallel channels) per box. @default 32 */
  simsPerBox?: number;
  /** Calls a SIM makes before the box rotates it out for a fresh one. @default [40, 120] */
  simCallBudget?: Range;
  /** Call centres (long outbound calls to many numbers in business hours: must not alert). @default max(1, round(subscribers / 100_000)) */
  callCentres?: number;
  /** Flash-call OTP senders (zero-second calls from `FLASH_CALL_PREFIX`: the allowlist case). @default max(1, round(subscribers / 200_000)) */
  otpSenders?: number;
  /** The operator's network probe SIMs (regular test calls to a few responders). @default max(1, round(subscribers / 200_000)) */
  probes?: number;
  /** Share of records the mediation layer sends twice (exact byte copies, seconds later). @default 0.002 */
  duplicateRate?: number;
  /** Share of records that are malformed (bad JSON or breaking the contract). @default 0.0002 */
  malformedRate?: number;
  /** Chance per emitted record that a whole batch (20–200 records) is re-sent minutes later. @default 0.000002 */
  resentBatchRate?: number;
  /** Chance per (switch, 5-minute collection interval) that the whole interval's records arrive late. @default 0.002 */
  lateBatchRate?: number;
  /** Extra delay of a late batch. @default [900_000, 5_400_000] (15–90 minutes) */
  lateBatchDelayMs?: Range;
  /** Median delay between a call's end and its record's arrival (log-normal). @default 20_000 */
  collectionDelayMedianMs?: number;
  /** Cap of the ordinary collection delay. @default 300_000 (five minutes) */
  collectionDelayMaxMs?: number;
  /** Median calls a day of an ordinary subscriber (rates are log-normal around it, so a heavy tail). @default 3 */
  callsPerSubscriberDay?: number;
  /** Local days per real day: >1 squeezes the daily rhythm (and multiplies rates) for demos. @default 1 */
  timeCompression?: number;
  /** UTC offset of the network's local time, hours (West Africa Time). @default 1 */
  utcOffsetHours?: number;
  /** When SDHF patterns start, as offsets from `startMs`. @default [0, durationMs / 2] */
  sdhfStartWindowMs?: Range;
  /** How long an SDHF caller takes to ramp from 10% to its full rate. @default [min(5 min, durationMs / 8), min(3 h, durationMs / 4)] */
  sdhfRampMs?: Range;
  /** Full calling rate of an SDHF caller. @default [150, 900] */
  sdhfPeakCallsPerHour?: Range;
  /** List every ordinary subscriber in the labels too (1M subscribers = 1M label objects). @default false */
  labelNormalCallers?: boolean;
  /**
   * Records arriving before this instant are simulated but not emitted: a warm-up, so a live feed starts in
   * steady state (calls last minutes, so the first minutes after `startMs` carry only short calls). @default startMs
   */
  emitFromMs?: number;
}

export type ResolvedTrafficOptions = Required<TrafficOptions>;

export class TrafficOptionsError extends SentinelError {
  static override readonly code = 'SENTINEL_TRAFFIC_OPTIONS_INVALID';

  constructor(
    message: string,
    readonly option: string,
  ) {
    super(message);
  }
}

/** Fills in defaults and checks every option. */
export function resolveTrafficOptions(options: TrafficOptions): ResolvedTrafficOptions {
  integer('seed', options.seed, -(2 ** 53), 2 ** 53);
  integer('subscribers', options.subscribers, 2, MOBILE_NUMBER_CAPACITY);
  integer('startMs', options.startMs, 0, 8.64e15);
  integer('durationMs', options.durationMs, 1_000, 366 * DAY_MS);
  const subscribers = options.subscribers;
  const durationMs = options.durationMs;
  const scaled = (per: number): number => Math.max(1, Math.round(subscribers / per));
  const resolved: ResolvedTrafficOptions = {
    seed: options.seed,
    subscribers,
    startMs: options.startMs,
    durationMs,
    sdhfCallers: options.sdhfCallers ?? scaled(20_000),
    simBoxes: options.simBoxes ?? scaled(50_000),
    simsPerBox: options.simsPerBox ?? 32,
    simCallBudget: options.simCallBudget ?? [40, 120],
    callCentres: options.callCentres ?? scaled(100_000),
    otpSenders: options.otpSenders ?? scaled(200_000),
    probes: options.probes ?? scaled(200_000),
    duplicateRate: options.duplicateRate ?? 0.002,
    malformedRate: options.malformedRate ?? 0.0002,
    resentBatchRate: options.resentBatchRate ?? 0.000_002,
    lateBatchRate: options.lateBatchRate ?? 0.002,
    lateBatchDelayMs: options.lateBatchDelayMs ?? [15 * MINUTE_MS, 90 * MINUTE_MS],
    collectionDelayMedianMs: options.collectionDelayMedianMs ?? 20_000,
    collectionDelayMaxMs: options.collectionDelayMaxMs ?? 5 * MINUTE_MS,
    callsPerSubscriberDay: options.callsPerSubscriberDay ?? 3,
    timeCompression: options.timeCompression ?? 1,
    utcOffsetHours: options.utcOffsetHours ?? 1,
    sdhfStartWindowMs: options.sdhfStartWindowMs ?? [0, Math.floor(durationMs / 2)],
    sdhfRampMs: options.sdhfRampMs ?? [
      Math.min(5 * MINUTE_MS, durationMs / 8),
      Math.min(3 * HOUR_MS, durationMs / 4),
    ],
    sdhfPeakCallsPerHour: options.sdhfPeakCallsPerHour ?? [150, 900],
    labelNormalCallers: options.labelNormalCallers ?? false,
    emitFromMs: options.emitFromMs ?? options.startMs,
  };
  checkResolved(resolved);
  return resolved;
}

function checkResolved(o: ResolvedTrafficOptions): void {
  integer('sdhfCallers', o.sdhfCallers, 0, 100_000);
  integer('simBoxes', o.simBoxes, 0, 1_000);
  integer('simsPerBox', o.simsPerBox, 1, 512);
  integer('callCentres', o.callCentres, 0, 1_000);
  integer('otpSenders', o.otpSenders, 0, 1_000);
  integer('probes', o.probes, 0, 10_000);
  range('simCallBudget', o.simCallBudget, 1, 1_000_000, true);
  fraction('duplicateRate', o.duplicateRate);
  fraction('malformedRate', o.malformedRate);
  fraction('resentBatchRate', o.resentBatchRate);
  fraction('lateBatchRate', o.lateBatchRate);
  range('lateBatchDelayMs', o.lateBatchDelayMs, 0, DAY_MS, false);
  positive('collectionDelayMedianMs', o.collectionDelayMedianMs, DAY_MS);
  positive('collectionDelayMaxMs', o.collectionDelayMaxMs, DAY_MS);
  positive('callsPerSubscriberDay', o.callsPerSubscriberDay, 10_000);
  positive('timeCompression', o.timeCompression, 10_000);
  if (!(o.utcOffsetHours >= -14 && o.utcOffsetHours <= 14)) {
    throw new TrafficOptionsError(
      `options.utcOffsetHours must be within -14..14, got ${o.utcOffsetHours}`,
      'utcOffsetHours',
    );
  }
  range('sdhfStartWindowMs', o.sdhfStartWindowMs, 0, o.durationMs, false);
  range('sdhfRampMs', o.sdhfRampMs, 1, 366 * DAY_MS, false);
  range('sdhfPeakCallsPerHour', o.sdhfPeakCallsPerHour, 1, 1_000_000, false);
  integer('emitFromMs', o.emitFromMs, 0, 8.64e15);
  const freshNumbers = o.sdhfCallers + o.simBoxes * SIM_NUMBERS_PER_BOX;
  if (o.subscribers + freshNumbers > MOBILE_NUMBER_CAPACITY) {
    throw new TrafficOptionsError(
      `options.subscribers + SIM numbers (${o.subscribers} + ${freshNumbers}) exceed the plan's ${MOBILE_NUMBER_CAPACITY} mobile numbers`,
      'subscribers',
    );
  }
}

function integer(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TrafficOptionsError(
      `options.${name} must be an integer in ${min}..${max}, got ${String(value)}`,
      name,
    );
  }
}

function fraction(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) {
    throw new TrafficOptionsError(`options.${name} must be a fraction in 0..1, got ${String(value)}`, name);
  }
}

function positive(name: string, value: number, max: number): void {
  if (!(value > 0 && value <= max)) {
    throw new TrafficOptionsError(`options.${name} must be > 0 and <= ${max}, got ${String(value)}`, name);
  }
}

function range(name: string, value: Range, min: number, max: number, integers: boolean): void {
  const [low, high] = value;
  const ok =
    value.length === 2 &&
    low >= min &&
    high <= max &&
    low <= high &&
    (!integers || (Number.isInteger(low) && Number.isInteger(high)));
  if (!ok) {
    throw new TrafficOptionsError(
      `options.${name} must be [min, max] with ${min} <= min <= max <= ${max}${integers ? ', integers' : ''}, got ${JSON.stringify(value)}`,
      name,
    );
  }
}

/**
 * The demo preset: the day of a ~20k-subscriber network that ends at `nowMs`, so every call has started by
 * "now" (the engine rejects calls starting over an hour ahead, and the service's demo publishes the whole
 * day as fast as it can). Five SDHF callers start within the first ten minutes of that day and ramp up over
 * 2–5 minutes, so their records are among the first few percent of the feed: they alert within the first
 * minute of a run even on a slow machine. About 0.2M records.
 */
export function demoTrafficOptions(nowMs: number): TrafficOptions {
  const endMs = Math.floor(nowMs / 1000) * 1000;
  return {
    seed: 20_240_601,
    subscribers: 20_000,
    startMs: endMs - DAY_MS,
    durationMs: DAY_MS,
    sdhfCallers: 5,
    sdhfStartWindowMs: [0, 10 * MINUTE_MS],
    sdhfRampMs: [2 * MINUTE_MS, 5 * MINUTE_MS],
    sdhfPeakCallsPerHour: [300, 600],
    simBoxes: 1,
    simsPerBox: 16,
    callCentres: 2,
    otpSenders: 1,
    probes: 2,
  };
}
