/**
 * fast-check generators for engine configurations and CDR streams: few callers and callees (so repeats and
 * exact duplicates are common), times that mostly advance but also step back (out of order, sometimes late)
 * and jump (expiry, idle callers), occasional invalid records, and rule changes mid-stream.
 *
 * Each event also carries the wall-clock time it arrived (ADR 0011): the generator's clock is the wall clock.
 * Most records arrive as they happen; a few are stamped far ahead of it (a switch with a fast clock); and the
 * callers of one "batch switch" have their records held back and delivered in bulk once the oldest is
 * `batchDelayMs` old (a mediation system shipping files), interleaved with the live callers' records.
 */
import fc from 'fast-check';
import type { RuleSettings } from '../../src/windows/index.js';

export interface StreamEvent {
  kind: 'event';
  caller: number;
  callee: number;
  t: number;
  duration: number;
  /** Wall-clock arrival time; +∞ in scenarios without a wall clock. */
  arrival: number;
}
export interface StreamRules {
  kind: 'rules';
  settings: RuleSettings;
}
export type StreamOp = StreamEvent | StreamRules;

export interface Scenario {
  windowsMs: number[];
  latenessMs: number;
  /** Undefined: the engine's default. */
  feedDelayMs: number | undefined;
  settings: RuleSettings;
  ops: StreamOp[];
}

export interface Profile {
  callers: number[];
  maxCallee: number;
  /** Largest first window; later windows add up to `windowGrowthMs` each. */
  firstWindowMs: number;
  windowGrowthMs: number;
  maxStepMs: number;
  maxJumpMs: number;
  /** Relative weights of: time advances by a step, steps back (out of order / late), jumps ahead. */
  stepWeights: [number, number, number];
  maxShortDuration: number;
  /** Weight of durations up to a day against 40 short ones (they swamp averages, so busy profiles keep few). */
  longDurationWeight: number;
  maxMinDistinct: number;
  /** Weight of invalid records (caller 0, bad duration) against 40 valid ones. */
  invalidWeight: number;
  /** Weight of records stamped up to `maxSkewMs` ahead of the wall clock, against 40 on time. */
  skewWeight: number;
  maxSkewMs: number;
  /** The batch switch delivers once its oldest held record is 1 … this old; feed delays go up to 1.5 times it. */
  maxBatchDelayMs: number;
  length: [number, number];
}

/**
 * Callees whose 32-bit hashes collide with 1…4 (the hash xors the high word times a constant into the low
 * word), so the callee index's fingerprint-collision path runs.
 */
export const COLLIDING_CALLEES = [1, 2, 3, 4].map((low) => ((low ^ 0x27d4eb2d) >>> 0) + 2 ** 32);

/** Many callers, short lives: inline records, promotion, demotion, idle reclaim, allowlist prefixes, growth. */
export const SPARSE: Profile = {
  callers: [1, 2, 12, 123, 2348012345678, ...Array.from({ length: 25 }, (_, i) => 9_000 + i)],
  maxCallee: 8,
  firstWindowMs: 40,
  windowGrowthMs: 120,
  maxStepMs: 8,
  maxJumpMs: 600,
  stepWeights: [12, 2, 1],
  maxShortDuration: 5,
  longDurationWeight: 4,
  maxMinDistinct: 5,
  invalidWeight: 2,
  skewWeight: 2,
  maxSkewMs: 600,
  maxBatchDelayMs: 200,
  length: [1, 150],
};

/** One or two busy callers: rings past the index threshold, out-of-order shifts, growth and shrink. */
export const DENSE: Profile = {
  callers: [7, 2348012345678],
  maxCallee: 90,
  firstWindowMs: 60,
  windowGrowthMs: 300,
  maxStepMs: 2,
  maxJumpMs: 400,
  stepWeights: [24, 3, 1],
  maxShortDuration: 5,
  longDurationWeight: 1,
  maxMinDistinct: 60,
  invalidWeight: 1,
  skewWeight: 1,
  maxSkewMs: 200,
  maxBatchDelayMs: 300,
  length: [50, 400],
};

/** Hundreds of distinct callees in a window: HIGH and CRITICAL severities, index rebuilds as it fills. */
export const HEAVY: Profile = {
  callers: [5],
  maxCallee: 320,
  firstWindowMs: 300,
  windowGrowthMs: 600,
  maxStepMs: 1,
  maxJumpMs: 300,
  stepWeights: [60, 3, 1],
  maxShortDuration: 2,
  longDurationWeight: 0,
  maxMinDistinct: 220,
  invalidWeight: 0,
  // A record stamped ahead makes this one caller's next records late: none here, where severities are the point.
  skewWeight: 0,
  maxSkewMs: 1,
  maxBatchDelayMs: 600,
  length: [300, 1200],
};

/**
 * Case settings on the scale of the generated windows (tens to hundreds of ms), so quiet periods end, cases
 * reopen within and after the reopen period, and updates are rate-limited, all inside one stream.
 */
function caseSettingsArbitrary(profile: Profile, windowsMs: number[], baseMs: number) {
  const longest = windowsMs.at(-1)!;
  return {
    cases: fc.record({
      quietPeriodMs: fc.integer({ min: 0, max: longest * 2 }),
      reopenWithinMs: fc.integer({ min: 0, max: longest * 3 }),
      updateEveryMs: fc.integer({ min: 0, max: longest }),
    }),
    suppressions: fc.array(
      fc.record({
        number: fc.constantFrom(...profile.callers.map(String)),
        untilMs: fc.integer({ min: baseMs, max: baseMs + longest * 4 }),
      }),
      { maxLength: 3 },
    ),
  };
}

function settingsArbitrary(
  profile: Profile,
  windowsMs: number[],
  baseMs: number,
): fc.Arbitrary<RuleSettings> {
  const entries = windowsMs.map((windowMs) =>
    fc.option(
      fc.record({
        windowMs: fc.constant(windowMs),
        minDistinctCallees: fc.integer({ min: 0, max: profile.maxMinDistinct }),
        maxAvgDurationSeconds: fc.constantFrom(0.5, 1, 1.5, 2, 2.5, 3, 4, 10, 100),
      }),
      { freq: 4 },
    ),
  );
  return fc.record({
    sdhf: fc.tuple(...entries).map((list) => list.filter((entry) => entry !== null)),
    allowlist: fc.subarray([...profile.callers.slice(0, 6).map(String), '1*', '23*', '900*']),
    cooldownMs: fc.integer({ min: 0, max: 150 }),
    ...caseSettingsArbitrary(profile, windowsMs, baseMs),
  });
}

const stepArbitrary = (profile: Profile): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: profile.stepWeights[0], arbitrary: fc.integer({ min: 0, max: profile.maxStepMs }) },
    { weight: profile.stepWeights[1], arbitrary: fc.integer({ min: -70, max: -1 }) },
    { weight: profile.stepWeights[2], arbitrary: fc.integer({ min: 10, max: profile.maxJumpMs }) },
  );

const durationArbitrary = (profile: Profile): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 40, arbitrary: fc.integer({ min: 0, max: profile.maxShortDuration }) },
    { weight: profile.longDurationWeight, arbitrary: fc.integer({ min: 0, max: 86_400 }) },
    { weight: profile.invalidWeight, arbitrary: fc.constantFrom(-1, 86_401, 1.5) },
  );

const calleeArbitrary = (profile: Profile): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min: 1, max: profile.maxCallee }) },
    { weight: 1, arbitrary: fc.constantFrom(...COLLIDING_CALLEES) },
  );

export function scenarioArbitrary(profile: Profile): fc.Arbitrary<Scenario> {
  return fc
    .record({
      windowCount: fc.integer({ min: 1, max: 3 }),
      first: fc.integer({ min: 1, max: profile.firstWindowMs }),
      growth: fc.array(fc.integer({ min: 1, max: profile.windowGrowthMs }), { minLength: 2, maxLength: 2 }),
      latenessMs: fc.integer({ min: 0, max: 50 }),
      baseMs: fc.constantFrom(0, 1_700_000_000_000),
      feedDelayMs: fc.option(fc.integer({ min: 0, max: Math.round(profile.maxBatchDelayMs * 1.5) }), {
        freq: 4,
        nil: undefined,
      }),
      wallClock: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, fc.constant(false)),
      batchCallers: fc.subarray(profile.callers),
      batchDelayMs: fc.integer({ min: 1, max: profile.maxBatchDelayMs }),
    })
    .chain(({ windowCount, first, growth, latenessMs, baseMs, feedDelayMs, wallClock, ...batch }) => {
      const windowsMs = [first, first + growth[0]!, first + growth[0]! + growth[1]!].slice(0, windowCount);
      const raw = fc.record({
        caller: fc.oneof(
          { weight: 40, arbitrary: fc.constantFrom(...profile.callers) },
          { weight: profile.invalidWeight, arbitrary: fc.constant(0) },
        ),
        callee: calleeArbitrary(profile),
        step: stepArbitrary(profile),
        skew: fc.oneof(
          { weight: 40, arbitrary: fc.constant(0) },
          { weight: profile.skewWeight, arbitrary: fc.integer({ min: 1, max: profile.maxSkewMs }) },
        ),
        duration: durationArbitrary(profile),
        // About one op in a hundred replaces the rules mid-stream.
        rules: fc.oneof(
          { weight: 100, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: settingsArbitrary(profile, windowsMs, baseMs) },
        ),
      });
      return fc.record({
        windowsMs: fc.constant(windowsMs),
        latenessMs: fc.constant(latenessMs),
        feedDelayMs: fc.constant(feedDelayMs),
        settings: settingsArbitrary(profile, windowsMs, baseMs),
        ops: fc
          .array(raw, { minLength: profile.length[0], maxLength: profile.length[1], size: 'max' })
          .map((list) => {
            let clock = baseMs;
            const ops: StreamOp[] = [];
            const held: StreamEvent[] = [];
            const deliver = (): void => {
              for (const event of held) ops.push({ ...event, arrival: wallClock ? clock : Infinity });
              held.length = 0;
            };
            for (const item of list) {
              if (item.rules !== null) ops.push({ kind: 'rules', settings: item.rules });
              if (item.step >= 0) clock += item.step;
              const t = (item.step >= 0 ? clock : Math.max(0, clock + item.step)) + item.skew;
              const event: StreamEvent = {
                kind: 'event',
                caller: item.caller,
                callee: item.callee,
                t,
                duration: item.duration,
                arrival: wallClock ? clock : Infinity,
              };
              if (batch.batchCallers.includes(item.caller)) held.push(event);
              else ops.push(event);
              if (held.length > 0 && clock - held[0]!.t >= batch.batchDelayMs) deliver();
            }
            deliver();
            return ops;
          }),
      });
    });
}
