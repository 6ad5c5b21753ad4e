import { describe, expect, it } from 'vitest';
import { demoTrafficOptions, generateTraffic, resolveTrafficOptions } from '../../src/traffic/index.js';
import { HOUR_MS, MONDAY_MS, parse, type ParsedCdr } from './traffic-fixtures.js';

describe('demoTrafficOptions', () => {
  const nowMs = MONDAY_MS + 10 * HOUR_MS + 123;

  it('is a day of ~20k subscribers ending now, so no call starts after "now"', () => {
    const options = resolveTrafficOptions(demoTrafficOptions(nowMs));
    expect(options.subscribers).toBe(20_000);
    expect(options.startMs + options.durationMs).toBeLessThanOrEqual(nowMs);
    expect(options.startMs + options.durationMs).toBeGreaterThan(nowMs - 1_000);
  });

  it('has several SDHF callers over the rule within the first two hours of the feed', () => {
    // The service lets operators shrink the demo (DEMO_SUBSCRIBERS); a smaller one keeps this test quick.
    const options = { ...demoTrafficOptions(nowMs), subscribers: 4_000 };
    const { records, labels } = generateTraffic(options);
    const sdhf = new Set(
      labels.callers.filter((caller) => caller.class === 'sdhf').map((caller) => caller.number),
    );
    expect(sdhf.size).toBe(5);
    const early = new Map<string, ParsedCdr[]>();
    for (const record of records) {
      if (record.arrivalMs > options.startMs + 2 * HOUR_MS) break;
      if (record.kind !== 'valid' || !sdhf.has(record.callerDigits)) continue;
      early.set(record.callerDigits, [...(early.get(record.callerDigits) ?? []), parse(record)]);
    }
    const alerting = [...early.values()].filter((calls) => {
      const distinct = new Set(calls.map((call) => call.callee)).size;
      const avg = calls.reduce((sum, call) => sum + call.duration, 0) / calls.length;
      return distinct > 50 && avg < 3;
    });
    expect(alerting.length).toBeGreaterThanOrEqual(3);
  });
});
