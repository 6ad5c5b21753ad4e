import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateTraffic, TrafficOptionsError, type TrafficOptions } from '../../src/traffic/index.js';
import { HOUR_MS, MONDAY_MS } from './traffic-fixtures.js';

const SMALL: TrafficOptions = {
  seed: 42,
  subscribers: 1_000,
  startMs: MONDAY_MS,
  durationMs: 4 * HOUR_MS,
  sdhfCallers: 2,
  sdhfPeakCallsPerHour: [150, 200],
  callCentres: 1,
  simBoxes: 1,
  simsPerBox: 4,
  resentBatchRate: 0.001,
  lateBatchRate: 0.05,
  malformedRate: 0.002,
};

/** SHA-256 over every record's arrival time, kind and bytes, in order. */
function digest(options: TrafficOptions): { sha256: string; count: number } {
  const hash = createHash('sha256');
  let count = 0;
  for (const record of generateTraffic(options).records) {
    hash.update(`${record.arrivalMs}|${record.kind}|${record.json}\n`);
    count++;
  }
  return { sha256: hash.digest('hex'), count };
}

describe('generateTraffic determinism', () => {
  it('gives byte-identical records and labels for the same seed and options', () => {
    const first = digest(SMALL);
    const second = digest({ ...SMALL });
    expect(first.count).toBeGreaterThan(1_000);
    expect(first.count).toBeLessThan(10_000);
    expect(second).toEqual(first);
    expect(JSON.stringify(generateTraffic(SMALL).labels)).toBe(
      JSON.stringify(generateTraffic({ ...SMALL }).labels),
    );
  });

  it('replays the same run each time its records are iterated', () => {
    const { records } = generateTraffic(SMALL);
    const once = [...records].map((record) => record.json);
    const again = [...records].map((record) => record.json);
    expect(again).toEqual(once);
  });

  it('gives different records and labels for a different seed', () => {
    const other = { ...SMALL, seed: 43 };
    expect(digest(other).sha256).not.toBe(digest(SMALL).sha256);
    const numbers = (options: TrafficOptions): string[] =>
      generateTraffic(options).labels.callers.map((c) => c.number);
    expect(numbers(other)).not.toEqual(numbers(SMALL));
  });

  it('never shares call ids between runs with different seeds or start times', () => {
    const ids = (options: TrafficOptions): Set<string> => {
      const set = new Set<string>();
      let n = 0;
      for (const record of generateTraffic(options).records) {
        if (record.kind === 'valid') set.add(record.callId);
        if (++n === 500) break;
      }
      return set;
    };
    const base = ids(SMALL);
    for (const other of [ids({ ...SMALL, seed: 7 }), ids({ ...SMALL, startMs: MONDAY_MS + 1_000 })]) {
      expect([...other].filter((id) => base.has(id))).toEqual([]);
    }
  });

  it('rejects invalid options with an error naming the option', () => {
    expect(() => generateTraffic({ ...SMALL, subscribers: 0 })).toThrow(TrafficOptionsError);
    expect(() => generateTraffic({ ...SMALL, duplicateRate: 1.5 })).toThrow(/options\.duplicateRate/);
    expect(() => generateTraffic({ ...SMALL, sdhfRampMs: [10, 5] })).toThrow(/options\.sdhfRampMs/);
    try {
      generateTraffic({ ...SMALL, seed: 0.5 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TrafficOptionsError);
      expect((error as TrafficOptionsError).option).toBe('seed');
      expect((error as TrafficOptionsError).code).toBe(TrafficOptionsError.code);
    }
  });
});
