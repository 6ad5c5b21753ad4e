import { describe, expect, it } from 'vitest';
import { demoTrafficOptions, generateTraffic } from '../../loadtest/lib/index.js';
import { HOUR_MS, MONDAY_MS, parse, type ParsedCdr } from './traffic-fixtures.js';

describe('demoTrafficOptions', () => {
  it('has several SDHF callers over the rule (> 50 distinct, avg < 3 s) within the first minute of arrivals', () => {
    const nowMs = MONDAY_MS + 10 * HOUR_MS + 123;
    const options = demoTrafficOptions(nowMs);
    const { records, labels } = generateTraffic(options);
    const sdhf = new Set(
      labels.callers.filter((caller) => caller.class === 'sdhf').map((caller) => caller.number),
    );
    expect(sdhf.size).toBe(5);
    const firstMinute = new Map<string, ParsedCdr[]>();
    let first: number | undefined;
    let total = 0;
    for (const record of records) {
      first ??= record.arrivalMs;
      if (record.arrivalMs > nowMs + 60_000) break;
      total++;
      if (record.kind !== 'valid' || !sdhf.has(record.callerDigits)) continue;
      firstMinute.set(record.callerDigits, [...(firstMinute.get(record.callerDigits) ?? []), parse(record)]);
    }
    // The feed starts at "now", in steady state (the warm-up before it is not emitted).
    expect(first).toBeGreaterThanOrEqual(Math.floor(nowMs / 1000) * 1000);
    expect(total).toBeGreaterThan(500);
    const alerting = [...firstMinute.values()].filter((calls) => {
      const distinct = new Set(calls.map((call) => call.callee)).size;
      const avg = calls.reduce((sum, call) => sum + call.duration, 0) / calls.length;
      return distinct > 50 && avg < 3;
    });
    expect(alerting.length).toBeGreaterThanOrEqual(3);
  });
});
