/**
 * Event time that no single record or slow feed can break (ADR 0011): lateness per caller, a partition clock
 * bounded by arrival time, and a watermark that a reclaimed caller cannot slip under with a wrong count.
 */
import { describe, expect, it } from 'vitest';
import {
  DetectionEngine,
  SnapshotError,
  type AlertEvent,
  type RuleSettings,
} from '../../src/windows/index.js';
import { ReferenceEngine } from './reference-engine.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = 1_700_000_000_000;
const SIM_BOX = 2348012345678;
const WINDOWS_MS = [10 * MINUTE, HOUR, 24 * HOUR];
const SETTINGS: RuleSettings = {
  sdhf: WINDOWS_MS.map((windowMs) => ({ windowMs, minDistinctCallees: 50, maxAvgDurationSeconds: 3 })),
  allowlist: [],
  cooldownMs: HOUR,
};

/** 60 one-second calls to distinct callees, one a second from `startMs`, each arriving as it ends. */
function burst(
  engine: DetectionEngine,
  caller: number,
  startMs: number,
  lagMs = 0,
): [string[], AlertEvent[]] {
  const alerts: AlertEvent[] = [];
  const outcomes = Array.from({ length: 60 }, (_, i) =>
    engine.process(caller, 5_000 + i, startMs + i * 1000, 1, alerts, startMs + i * 1000 + 1000 + lagMs),
  );
  return [outcomes, alerts];
}

describe('a record stamped ahead of the wall clock', () => {
  it("does not make another caller's records late, nor a batch feed's", () => {
    const engine = new DetectionEngine({ windowsMs: WINDOWS_MS, allowedLatenessMs: 5 * MINUTE }, SETTINGS);
    engine.process(1, 2, T0, 30, [], T0 + 100);
    // 50 minutes ahead, arriving now: the partition clock stays at the arrival time.
    expect(engine.process(7, 8, T0 + 50 * MINUTE, 30, [], T0 + 200)).toBe('windowed');
    expect(engine.partitionClockMs()).toBe(T0 + 200);
    const [outcomes, alerts] = burst(engine, SIM_BOX, T0 + 1000);
    expect(new Set(outcomes)).toEqual(new Set(['windowed']));
    expect(alerts.map((a) => [a.reason, a.windowSeconds, a.uniqueDestinations])).toContainEqual([
      'opened',
      600,
      51,
    ]);
    // A feed 15 minutes behind (a caller the engine has never seen) is windowed too.
    expect(engine.process(42, 43, T0 - 15 * MINUTE, 5, [], T0 + 70_000)).toBe('windowed');
  });

  it('would, without the arrival bound, push a batch feed under the watermark (what the bound prevents)', () => {
    const engine = new DetectionEngine(
      { windowsMs: WINDOWS_MS, allowedLatenessMs: 5 * MINUTE, feedDelayMs: 20 * MINUTE },
      SETTINGS,
    );
    engine.process(7, 8, T0 + 50 * MINUTE, 30, []); // no arrival time: event time alone drives the clock
    expect(engine.process(42, 43, T0 - 15 * MINUTE, 5, [])).toBe('late');
    const bounded = new DetectionEngine(
      { windowsMs: WINDOWS_MS, allowedLatenessMs: 5 * MINUTE, feedDelayMs: 20 * MINUTE },
      SETTINGS,
    );
    bounded.process(7, 8, T0 + 50 * MINUTE, 30, [], T0);
    expect(bounded.process(42, 43, T0 - 15 * MINUTE, 5, [], T0)).toBe('windowed');
  });

  it('makes only its own caller late: ordering holds per caller', () => {
    const engine = new DetectionEngine({ windowsMs: WINDOWS_MS, allowedLatenessMs: 5 * MINUTE }, SETTINGS);
    engine.process(7, 8, T0 + 50 * MINUTE, 30, [], T0);
    expect(engine.process(7, 9, T0 + MINUTE, 30, [], T0 + MINUTE)).toBe('late');
    expect(engine.process(7, 9, T0 + 45 * MINUTE, 30, [], T0 + 45 * MINUTE)).toBe('windowed');
    expect(engine.process(8, 9, T0 + MINUTE, 30, [], T0 + MINUTE)).toBe('windowed');
  });
});

describe('a feed delivered in 15-minute batches beside live feeds', () => {
  it('is windowed and alerted, while live callers keep the clock at wall time', () => {
    const engine = new DetectionEngine({ windowsMs: WINDOWS_MS, allowedLatenessMs: 5 * MINUTE }, SETTINGS);
    const alerts: AlertEvent[] = [];
    const outcomes = new Set<string>();
    // Live callers call every 10 s through 30 minutes; every 15 minutes the batch switch delivers its last
    // 15 minutes: a SIM box calling a new number every 10 s, in bulk.
    for (let s = 0; s <= 30 * 60; s += 10) {
      const now = T0 + s * 1000;
      engine.process(100 + (s % 7), 200 + s, now, 40, [], now);
      if (s > 0 && s % (15 * 60) === 0) {
        for (let b = s - 15 * 60; b < s; b += 10)
          outcomes.add(engine.process(SIM_BOX, 10_000 + b, T0 + b * 1000, 1, alerts, now));
      }
    }
    expect(outcomes).toEqual(new Set(['windowed']));
    expect(alerts[0]).toMatchObject({ reason: 'opened', windowSeconds: 600, uniqueDestinations: 51 });
    expect(engine.callerStats(SIM_BOX)!.windows[2]!.callCount).toBe(180);
  });

  it('is late for a caller the engine does not hold once it runs further behind than the feed delay', () => {
    const engine = new DetectionEngine(
      { windowsMs: WINDOWS_MS, allowedLatenessMs: 5 * MINUTE, feedDelayMs: 10 * MINUTE },
      SETTINGS,
    );
    engine.process(1, 2, T0, 30, [], T0);
    expect(engine.watermarkMs()).toBe(T0 - 10 * MINUTE);
    expect(engine.process(3, 4, T0 - 10 * MINUTE - 1, 30, [], T0)).toBe('late');
    expect(engine.process(3, 4, T0 - 10 * MINUTE, 30, [], T0)).toBe('windowed');
    expect(engine.callerStats(3)!.windows[0]!.callCount).toBe(1);
  });
});

describe('a reclaimed caller', () => {
  it('cannot come back with a wrong count: its records before the watermark are late, later ones start afresh', () => {
    const windowsMs = [HOUR];
    const settings: RuleSettings = { ...SETTINGS, sdhf: [{ ...SETTINGS.sdhf[1]! }] };
    const options = { windowsMs, allowedLatenessMs: MINUTE, feedDelayMs: 10 * MINUTE, expectedCallers: 4 };
    const engine = new DetectionEngine(options, settings);
    const reference = new ReferenceEngine(windowsMs, MINUTE, settings, 10 * MINUTE);
    const both = (caller: number, callee: number, t: number, arrival = t): string => {
      const got = engine.process(caller, callee, t, 1, [], arrival);
      expect(reference.process(caller, callee, t, 1, [], arrival)).toBe(got);
      return got;
    };
    for (let i = 0; i < 5; i++) both(1, 10 + i, T0 + i * 1000);
    // Another caller moves the clock until caller 1's hour and the feed delay are over; the sweep reclaims it.
    for (let i = 1; i <= 100; i++) both(2, 3, T0 + HOUR + 10 * MINUTE + i * 1000);
    expect(engine.footprint().callers).toBe(1);
    const watermark = engine.watermarkMs();
    expect(watermark).toBe(reference.watermarkMs());
    // Inside caller 1's old hour: a count without its reclaimed events would be wrong, so it is late.
    expect(both(1, 99, watermark - 1)).toBe('late');
    expect(engine.footprint().callers).toBe(1); // a late record leaves no trace
    expect(both(1, 99, watermark)).toBe('windowed');
    expect(engine.callerStats(1)!.windows[0]).toMatchObject({ callCount: 1, distinctCallees: 1 });
  });
});

describe('snapshots', () => {
  it('carry the partition clock and feed delay', () => {
    const options = { windowsMs: WINDOWS_MS, allowedLatenessMs: MINUTE, feedDelayMs: 20 * MINUTE };
    const engine = new DetectionEngine(options, SETTINGS);
    engine.process(7, 8, T0 + 50 * MINUTE, 30, [], T0);
    const restored = DetectionEngine.restore(engine.snapshot(), SETTINGS);
    expect(restored.partitionClockMs()).toBe(T0);
    expect(restored.windowOptions()).toEqual({
      windowsMs: WINDOWS_MS,
      allowedLatenessMs: MINUTE,
      feedDelayMs: 20 * MINUTE,
    });
    expect(restored.process(42, 43, T0 - 15 * MINUTE, 5, [], T0)).toBe('windowed');
  });

  it('of the previous format (version 2, one max event time) are refused: rebuild from the stream', () => {
    const bytes = new DetectionEngine(
      { windowsMs: WINDOWS_MS, allowedLatenessMs: MINUTE },
      SETTINGS,
    ).snapshot();
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(4, 2, true);
    expect(() => DetectionEngine.restore(bytes, SETTINGS)).toThrow(SnapshotError);
    expect(() => DetectionEngine.restore(bytes, SETTINGS)).toThrow(/version 2 is not supported.*rebuild/);
  });
});
