/**
 * Case events on the worker's hot path: the partition processor hands the engine's case events to the sink
 * batch with their partition (for fencing), never for records it only replays, and a checkpoint taken
 * mid-case continues the same case with the next sequence.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SETTINGS, type RuleSettings } from '../../../src/windows/index.js';
import { BASE_MS, ProcessorHarness, burst, feed, messages } from './support/partition-fakes.js';

const SUSPECT = '2348012345678';
const STREAM = 'CDR@2025-06-01T00:00:00Z';
/** Cases that close ten minutes after the rule stops holding and report figures at most every minute. */
const RULES: RuleSettings = {
  ...DEFAULT_RULE_SETTINGS,
  cases: { quietPeriodMs: 600_000, reopenWithinMs: 3_600_000, updateEveryMs: 60_000 },
};

describe('PartitionProcessor case events', () => {
  it('puts the opening of a case into the batch, with its partition, on the CDR that first meets the rule', () => {
    const harness = new ProcessorHarness();
    const processor = harness.processor({ partition: 4, rules: RULES });
    feed(processor, messages(burst(SUSPECT, 80), 1, 4));

    const [first, ...rest] = harness.sink.caseEvents;
    expect(first).toMatchObject({
      partition: 4,
      event: {
        kind: 'opened',
        sequence: 0,
        suspectNumber: SUSPECT,
        caseKey: `sdhf:${SUSPECT}:${BASE_MS + 50 * 5_000}`,
      },
    });
    // The first alert comes from the same CDR: the 51st call (index 50).
    expect(harness.sink.alerts[0]!.last_event_at).toBe(new Date(first!.event.atMs).toISOString());
    // Figures moved on every call after it (5 s apart), but updates come at most once a minute: 12 calls.
    expect(rest.map((e) => [e.event.kind, e.event.atMs - first!.event.atMs])).toEqual([
      ['updated', 60_000],
      ['updated', 120_000],
    ]);
    expect(rest.every((e) => e.partition === 4 && e.event.caseKey === first!.event.caseKey)).toBe(true);
  });

  it('puts no case event into the batch for records it only replays (they were committed before)', () => {
    const harness = new ProcessorHarness();
    const processor = harness.processor({ rules: RULES, committedSeq: 60 });
    feed(processor, messages(burst(SUSPECT, 60)));
    expect(harness.sink.caseEvents).toEqual([]);
    // Live calls after the replay continue the rebuilt case: no second opening.
    feed(processor, messages(burst(SUSPECT, 20, { fromMs: BASE_MS + 300_000, idPrefix: 'live' }), 61));
    expect(harness.sink.caseEvents.map((e) => e.event.kind)).not.toContain('opened');
  });

  it('continues the same case with the next sequence after a checkpoint, and closes it by the clock', () => {
    const harness = new ProcessorHarness();
    const processor = harness.processor({ rules: RULES });
    feed(processor, messages(burst(SUSPECT, 60)));
    processor.markCommitted(60);
    const checkpoint = processor.checkpoint(Date.now(), STREAM);
    const before = harness.sink.caseEvents.length;

    const restarted = new ProcessorHarness();
    const resumed = restarted.processor({ rules: RULES, committedSeq: 60, restored: checkpoint });
    // Another caller's normal calls move the partition's clock a day on: the suspect's case must close.
    const later = Array.from({ length: 30 }, (_, k) =>
      JSON.stringify({
        call_id: `other-${k}`,
        caller: '+2347011111111',
        callee: '+2349122222222',
        start: new Date(BASE_MS + (k + 1) * 3_600_000).toISOString(),
        duration: 120,
      }),
    );
    feed(resumed, messages(later, 61));
    const closed = restarted.sink.caseEvents.map((e) => e.event);
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ kind: 'closed', sequence: before, suspectNumber: SUSPECT });
  });
});
