import { describe, expect, it } from 'vitest';
import { byCaller, DAY_NETWORK, HOUR_MS, median, network, type ParsedCdr } from './traffic-fixtures.js';

/** Outbound calls placed by ordinary subscribers (callers not in the labels, on our number range). */
function ordinaryCalls(): { calls: ParsedCdr[]; subscribers: number } {
  const { calls, labels } = network(DAY_NETWORK);
  const special = new Set(labels.callers.map((caller) => caller.number));
  return {
    calls: calls.filter(
      (call) => call.direction === 'outbound' && !special.has(call.caller) && call.caller.startsWith('234'),
    ),
    subscribers: DAY_NETWORK.subscribers,
  };
}

describe('ordinary subscribers', () => {
  it('talk for log-normal durations: median about 60 s, 60% under 90 s, a long tail', () => {
    const durations = ordinaryCalls()
      .calls.filter((call) => call.answered)
      .map((call) => call.duration);
    expect(durations.length).toBeGreaterThan(10_000);
    expect(median(durations)).toBeGreaterThanOrEqual(55);
    expect(median(durations)).toBeLessThanOrEqual(66);
    const under90 = durations.filter((seconds) => seconds < 90).length / durations.length;
    expect(under90).toBeGreaterThan(0.57);
    expect(under90).toBeLessThan(0.63);
    const sorted = [...durations].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length * 0.9)]).toBeGreaterThan(300);
  });

  it('mostly make a few calls a day, with a heavy tail of busy callers', () => {
    const { calls, subscribers } = ordinaryCalls();
    const perCaller = [...byCaller(calls).values()].map((group) => group.length);
    // Silent subscribers made no calls at all; they count as zero.
    const counts = [...perCaller, ...new Array<number>(Math.max(0, subscribers - perCaller.length)).fill(0)];
    const sorted = [...counts].sort((a, b) => a - b);
    expect(median(counts)).toBeGreaterThanOrEqual(2);
    expect(median(counts)).toBeLessThanOrEqual(5);
    expect(counts.filter((n) => n <= 6).length / counts.length).toBeGreaterThan(0.7);
    expect(sorted[Math.floor(sorted.length * 0.99)]).toBeGreaterThanOrEqual(20);
    const mean = counts.reduce((sum, n) => sum + n, 0) / counts.length;
    expect(mean).toBeGreaterThan(1.3 * median(counts));
  });

  it('follow a daily rhythm with a night trough (local time UTC+1)', () => {
    const perLocalHour = new Array<number>(24).fill(0);
    for (const call of ordinaryCalls().calls) {
      const hour = Math.floor((call.startMs + HOUR_MS) / HOUR_MS) % 24;
      perLocalHour[hour] = (perLocalHour[hour] ?? 0) + 1;
    }
    const sum = (from: number, to: number): number => perLocalHour.slice(from, to).reduce((a, b) => a + b, 0);
    const night = sum(2, 5);
    const midday = sum(10, 13);
    expect(night / midday).toBeLessThan(0.15);
    expect(sum(19, 20)).toBeGreaterThan(sum(3, 4) * 5); // evening peak vs the trough
  });

  it('call mostly within their own small circle of contacts', () => {
    const busy = [...byCaller(ordinaryCalls().calls).values()].filter((group) => group.length >= 20);
    expect(busy.length).toBeGreaterThan(20);
    const ratios = busy.map((group) => new Set(group.map((call) => call.callee)).size / group.length);
    expect(ratios.reduce((a, b) => a + b, 0) / ratios.length).toBeLessThan(0.5);
  });

  it('also receive international calls from abroad, without handset fields', () => {
    const inbound = network(DAY_NETWORK).calls.filter(
      (call) => call.direction === 'inbound' && !call.caller.startsWith('234'),
    );
    expect(inbound.length).toBeGreaterThan(100);
    for (const call of inbound) {
      expect(call.imsi).toBeUndefined();
      expect(call.callee.startsWith('234')).toBe(true);
    }
  });

  it('are unanswered now and then (0 s, a no-answer cause)', () => {
    const calls = ordinaryCalls().calls;
    const unanswered = calls.filter((call) => !call.answered);
    expect(unanswered.length / calls.length).toBeGreaterThan(0.15);
    expect(unanswered.length / calls.length).toBeLessThan(0.3);
    expect(unanswered.every((call) => call.duration === 0)).toBe(true);
  });
});
