/**
 * A window's duration sum is kept as 32 low bits plus high bits packed beside its distinct count
 * (block-events.ts). Sums past 2^32 seconds need ~50,000 day-long calls in one window, more than the property
 * tests generate, so this pins the carry and the borrow by hand: the sum grows past 2^32, survives a snapshot,
 * and shrinks back below it as calls expire.
 */
import { describe, expect, it } from 'vitest';
import { DetectionEngine, type RuleSettings } from '../../src/windows/index.js';

const HOUR = 3_600_000;
const T0 = 1_700_000_000_000;
const CALLER = 2348012345678;
const DAY_SECONDS = 86_400;
/** 2^32 / 86,400 ≈ 49,710 day-long calls reach 2^32 s; go past it. */
const CALLS = 60_000;
const SETTINGS: RuleSettings = {
  sdhf: [{ windowMs: HOUR, minDistinctCallees: 50, maxAvgDurationSeconds: 3 }],
  allowlist: [],
  cooldownMs: HOUR,
};

function sumsOf(engine: DetectionEngine): number[] {
  return engine.callerStats(CALLER)!.windows.map((w) => w.totalDurationSeconds);
}

describe('window duration sums', () => {
  it('stay exact past 2^32 seconds, across a snapshot, and back below it as calls expire', () => {
    let engine = new DetectionEngine({ windowsMs: [HOUR, 2 * HOUR], allowedLatenessMs: HOUR }, SETTINGS);
    // One call per 50 ms: the whole run spans 50 minutes, inside both windows.
    for (let i = 0; i < CALLS; i++) engine.process(CALLER, 1_000 + (i % 5_000), T0 + i * 50, DAY_SECONDS, []);
    const total = CALLS * DAY_SECONDS;
    expect(total).toBeGreaterThan(2 ** 32);
    expect(sumsOf(engine)).toEqual([total, total]);
    expect(engine.callerStats(CALLER)!.windows[0]!.distinctCallees).toBe(5_000);

    engine = DetectionEngine.restore(engine.snapshot(), SETTINGS);
    expect(sumsOf(engine)).toEqual([total, total]);

    // 40 minutes after the last call: the hour keeps calls after T − 1 h (those of the last 20 minutes); the
    // two-hour window keeps them all.
    const lastMs = T0 + (CALLS - 1) * 50;
    const latestMs = lastMs + 40 * 60_000;
    engine.process(CALLER, 7, latestMs, 0, []);
    const keptInHour = CALLS - 1 - Math.floor((latestMs - HOUR - T0) / 50);
    expect(sumsOf(engine)).toEqual([keptInHour * DAY_SECONDS, total]);
    expect(keptInHour * DAY_SECONDS).toBeLessThan(2 ** 32);
  });
});
