/**
 * The partition processor counts every live record under its source (the CDR's `switch`) and leaves replayed
 * and duplicate records out, so per-source figures match what was stored and dead-lettered.
 */
import { describe, expect, it } from 'vitest';
import { BASE_MS, ProcessorHarness, feed, messages } from './support/partition-fakes.js';

function record(callId: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    call_id: callId,
    caller: '2348011111111',
    callee: '2348022222222',
    start: new Date(BASE_MS).toISOString(),
    duration: 30,
    ...extra,
  });
}

describe('per-source counting in the partition processor', () => {
  it('counts accepted, late and rejected records per switch; duplicates and replays are not counted', () => {
    const harness = new ProcessorHarness();
    const processor = harness.processor({ committedSeq: 2 });
    feed(
      processor,
      messages([
        // At or below the committed sequence: replay only, already counted when first read.
        record('replayed-1', { switch: 'sw-a' }),
        '{"switch":"sw-a","call_id":',
        record('live-1', { switch: 'sw-a' }),
        record('live-1', { switch: 'sw-a' }), // duplicate
        record('live-2', { switch: 'sw-b', start: new Date(BASE_MS - 3_600_000).toISOString() }), // late
        record('bad-1', { switch: 'sw-a', start: 'soon' }),
        record('bad-2', { start: 'soon' }),
        '{"switch":"sw-b","call_id":',
      ]),
    );
    const bySource = new Map(harness.sources.drain().map((tally) => [tally.source, tally]));
    expect(bySource.get('sw-a')).toMatchObject({ accepted: 1, late: 0, rejected: [['invalid_start', 1]] });
    expect(bySource.get('sw-b')).toMatchObject({ accepted: 1, late: 1, rejected: [['invalid_json', 1]] });
    expect(bySource.get('unknown')).toMatchObject({ accepted: 0, rejected: [['invalid_start', 1]] });
    expect([...bySource.keys()].sort()).toEqual(['sw-a', 'sw-b', 'unknown']);
    // The fleet-wide counters agree with the per-source ones.
    expect(harness.counter('sentinel_cdr_ingestion_errors_total')).toBe(3);
    expect(harness.sink.records.length).toBe(2);
  });
});
