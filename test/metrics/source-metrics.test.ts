/**
 * Per-source metrics: the skew histogram's quantiles, the bounded label set, the worker-side tallies (rejected
 * records attributed to the switch they name, or `unknown`), and the main thread's window and verdict.
 */
import { describe, expect, it } from 'vitest';
import { SourceStats, switchOfRejected } from '../../src/engine/worker/source-stats.js';
import {
  Metrics,
  SKEW_BUCKETS,
  SkewHistogram,
  SourceLabels,
  SourceTable,
  skewBucketOf,
  skewBucketValueMs,
  type SourceTally,
} from '../../src/metrics/index.js';
import type { Cdr } from '../../src/codec/index.js';

function cdr(overrides: Partial<Cdr>): Cdr {
  return {
    callId: 'c-1',
    caller: 2348011111111,
    callee: 2348022222222,
    startMs: Date.now(),
    durationSeconds: 2,
    ...overrides,
  };
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('skew histogram', () => {
  it('reads every bucket back within 6.5% of the values it holds, with the sign kept', () => {
    for (const ms of [150, 999, 2_000, 45_000, 3_000_000, 50 * 60_000, 26 * 3_600_000]) {
      for (const value of [ms, -ms]) {
        const read = skewBucketValueMs(skewBucketOf(value));
        expect(Math.sign(read), String(value)).toBe(Math.sign(value));
        expect(Math.abs(read / value - 1), String(value)).toBeLessThan(0.065);
      }
    }
    expect(skewBucketValueMs(skewBucketOf(40))).toBe(0);
    expect(skewBucketValueMs(skewBucketOf(-99))).toBe(0);
    expect(skewBucketOf(Number.NaN)).toBe(skewBucketOf(0));
    // Out of range values land in the outermost buckets instead of out of the array.
    expect(skewBucketOf(1e15)).toBe(SKEW_BUCKETS - 1);
    expect(skewBucketOf(-1e15)).toBe(0);
  });

  it('gives p50 and p99 of a mixed population, and merges by adding buckets', () => {
    const a = new SkewHistogram();
    const b = new SkewHistogram();
    for (let i = 0; i < 98; i++) a.record(2_000 + i); // about 2 s
    b.record(-3_000_000); // 50 min ahead
    b.record(-3_000_000);
    expect(a.quantileMs(0.5)).toBeGreaterThan(1_800);
    expect(a.quantileMs(0.5)).toBeLessThan(2_200);
    const merged = new SkewHistogram();
    merged.addPairs(a.pairs());
    merged.addHistogram(b);
    expect(merged.total).toBe(100);
    // Two of a hundred are 50 minutes ahead: the p1 shows it, the p50 does not.
    expect(merged.quantileMs(0.01)).toBeLessThan(-2_700_000);
    expect(merged.quantileMs(0.5)).toBeGreaterThan(1_800);
    expect(new SkewHistogram().quantileMs(0.5)).toBeUndefined();
    // A damaged report cannot write outside the array.
    merged.addPairs([
      [-1, 5],
      [SKEW_BUCKETS, 5],
      [1.5, 5],
      [3, -2],
    ]);
    expect(merged.total).toBe(100);
  });
});

describe('source labels', () => {
  it('names the first N sources, counts the rest as other, and never spends a place on unknown', () => {
    const labels = new SourceLabels(2);
    expect(labels.labelOf(undefined)).toBe('unknown');
    expect(labels.labelOf('')).toBe('unknown');
    expect(labels.labelOf('sw-1')).toBe('sw-1');
    expect(labels.labelOf('other')).toBe('other');
    expect(labels.labelOf('sw-2')).toBe('sw-2');
    expect(labels.labelOf('sw-3')).toBe('other');
    expect(labels.labelOf('sw-1')).toBe('sw-1');
    expect(labels.size).toBe(2);
  });

  it('stays bounded however many distinct values a broken switch field carries', () => {
    const stats = new SourceStats(5);
    for (let i = 0; i < 10_000; i++) stats.accepted(cdr({ switchId: `garbage-${i}` }), false);
    const tallies = stats.drain();
    expect(tallies.map((t) => t.source).sort()).toEqual([
      'garbage-0',
      'garbage-1',
      'garbage-2',
      'garbage-3',
      'garbage-4',
      'other',
    ]);
    expect(tallies.find((t) => t.source === 'other')?.accepted).toBe(9_995);
  });
});

describe('worker source stats', () => {
  it('reads the switch of a rejected record from JSON, from broken JSON, or not at all', () => {
    expect(switchOfRejected(bytes('{"call_id":"x","switch":"sw-7","start":"soon"}'))).toBe('sw-7');
    expect(switchOfRejected(bytes('{"switch": 42, "caller": "x"}'))).toBe('42');
    expect(switchOfRejected(bytes('{"call_id":"x","switch":"sw-9","caller":'))).toBe('sw-9');
    expect(switchOfRejected(bytes('["switch"]'))).toBeUndefined();
    expect(switchOfRejected(bytes('{"switch":"   "}'))).toBeUndefined();
    expect(switchOfRejected(bytes(`{"switch":"${'s'.repeat(65)}"}`))).toBeUndefined();
    expect(switchOfRejected(bytes('{"switch":{"name":"sw-1"}}'))).toBeUndefined();
    expect(switchOfRejected(new Uint8Array([0xff, 0xfe, 0x00]))).toBeUndefined();
    expect(switchOfRejected(bytes(`{"switch":"sw-1","pad":"${'x'.repeat(70_000)}"}`))).toBeUndefined();
  });

  it('tallies accepted, late, rejected by reason and skew per source, and starts again after a drain', () => {
    const nowMs = 1_800_000_000_000;
    const stats = new SourceStats(10, () => nowMs);
    stats.accepted(cdr({ switchId: 'sw-1', startMs: nowMs - 5_000 }), false);
    stats.accepted(cdr({ switchId: 'sw-1', startMs: nowMs - 600_000 }), true);
    stats.accepted(cdr({ startMs: nowMs + 3_000_000 }), false);
    stats.rejected(bytes('{"switch":"sw-1","start":"soon"}'), 'invalid_start');
    stats.rejected(bytes('{"switch":"sw-1","start":"later"}'), 'invalid_start');
    stats.rejected(bytes('not json at all'), 'invalid_json');
    const bySource = new Map(stats.drain().map((t) => [t.source, t]));
    const sw1 = bySource.get('sw-1');
    expect(sw1).toMatchObject({ accepted: 2, late: 1, rejected: [['invalid_start', 2]] });
    const skew = new SkewHistogram();
    skew.addPairs(sw1?.skew ?? []);
    expect(skew.total).toBe(2);
    expect(skew.quantileMs(1)).toBeGreaterThan(540_000);
    const unknown = bySource.get('unknown');
    expect(unknown).toMatchObject({ accepted: 1, late: 0, rejected: [['invalid_json', 1]] });
    const ahead = new SkewHistogram();
    ahead.addPairs(unknown?.skew ?? []);
    expect(ahead.quantileMs(0.5)).toBeLessThan(-2_700_000);
    expect(stats.drain()).toEqual([]);
  });
});

function tally(source: string, accepted: number, rejected: [string, number][] = [], late = 0): SourceTally {
  return { source, accepted, late, rejected, skew: [] };
}

describe('source table (main thread)', () => {
  const options = { maxLabels: 3, rejectedShareMax: 0.05, minRecords: 100, windowMs: 600_000 };

  it('degrades a source over the share with enough records, names its top reason; not a quiet one', () => {
    const table = new SourceTable(options);
    const t0 = 1_800_000_000_000;
    table.apply(
      [
        tally('sw-bad', 60, [
          ['invalid_start', 30],
          ['missing_field', 10],
        ]),
      ],
      t0,
    );
    table.apply([tally('sw-good', 950, [['invalid_caller', 50]])], t0);
    table.apply([tally('sw-quiet', 0, [['invalid_json', 99]])], t0);
    const figures = new Map(table.snapshot(t0).sources.map((s) => [s.source, s]));
    expect(figures.get('sw-bad')).toMatchObject({
      records: 100,
      rejected: 40,
      rejectedShare: 0.4,
      topReason: 'invalid_start',
      degraded: true,
    });
    // Exactly at the limit is not over it; below the minimum records nothing counts.
    expect(figures.get('sw-good')).toMatchObject({ rejectedShare: 0.05, degraded: false });
    expect(figures.get('sw-quiet')).toMatchObject({ records: 99, rejectedShare: 1, degraded: false });
  });

  it('forgets what left the window, and adds workers and slots inside it', () => {
    const table = new SourceTable(options);
    const t0 = 1_800_000_000_000;
    table.apply([tally('sw-1', 0, [['invalid_start', 200]])], t0);
    table.apply([tally('sw-1', 100, [], 7)], t0 + 120_000);
    table.apply([tally('sw-1', 100)], t0 + 300_000);
    expect(table.snapshot(t0 + 300_000).sources[0]).toMatchObject({ records: 400, late: 7, degraded: true });
    // Ten minutes on, the bad minute is gone.
    const later = table.snapshot(t0 + 660_000).sources[0];
    expect(later).toMatchObject({ records: 200, rejected: 0, degraded: false });
    expect(table.snapshot(t0 + 2 * 600_000).sources).toEqual([]);
  });

  it('bounds labels across workers and exports the counters and skew quantiles', async () => {
    const metrics = new Metrics('t', options);
    const skew = new SkewHistogram();
    for (let i = 0; i < 10; i++) skew.record(-3_000_000);
    metrics.applyWorkerReport('0', {
      counters: [],
      gauges: [],
      histograms: [],
      latencyCentroids: [],
      sources: [
        { source: 'sw-a', accepted: 10, late: 2, rejected: [['invalid_start', 3]], skew: skew.pairs() },
        tally('sw-b', 1),
        tally('sw-c', 1),
        tally('sw-d', 5, [['invalid_caller', 1]]),
      ],
    });
    const text = await metrics.text();
    expect(text).toContain('sentinel_source_records_total{source="sw-a",outcome="accepted"} 10');
    expect(text).toContain('sentinel_source_records_total{source="sw-a",outcome="rejected"} 3');
    expect(text).toContain('sentinel_source_rejected_total{source="sw-a",reason="invalid_start"} 3');
    expect(text).toContain('sentinel_source_late_records_total{source="sw-a"} 2');
    expect(text).toContain('sentinel_source_records_total{source="other",outcome="accepted"} 5');
    expect(text).toContain('sentinel_source_rejected_total{source="other",reason="invalid_caller"} 1');
    expect(text).not.toContain('sw-d');
    const p50 = Number(
      /sentinel_source_clock_skew_seconds\{source="sw-a",quantile="0.5"\} (-?[\d.e+-]+)/.exec(text)?.[1],
    );
    expect(p50).toBeLessThan(-2_700);
    expect(p50).toBeGreaterThan(-3_300);
  });
});
