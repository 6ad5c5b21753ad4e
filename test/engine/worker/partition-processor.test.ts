/**
 * PartitionProcessor, the per-message hot path: decode → dedup → windows and rules → sink rows, alerts and dead
 * letters; redelivery and replay handling; acks after commit; checkpoints that continue exactly.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SnapshotError, type AlertMessage } from '../../../src/windows/index.js';
import { cdr } from '../../support/cdr-builders.js';
import {
  BASE_MS,
  ENGINE_OPTIONS,
  ProcessorHarness,
  asJsMsg,
  burst,
  fakeMessage,
  feed,
  messages,
} from './support/partition-fakes.js';

const SDHF_CALLER = '2348012345678';
const STREAM = 'CDR@2025-06-01T00:00:00Z';

/** What identifies an alert, without the wall-clock fields (created_at, event_to_alert_ms). */
function alertFacts(alert: AlertMessage): Partial<AlertMessage> {
  return {
    alert_key: alert.alert_key,
    episode_key: alert.episode_key,
    window_seconds: alert.window_seconds,
    suspect_number: alert.suspect_number,
    alert_severity: alert.alert_severity,
    reason: alert.reason,
    call_count: alert.call_count,
    unique_destinations: alert.unique_destinations,
  };
}

/** The payload of a normal call, seconds after BASE_MS. */
function call(callId: string, caller: string, callee: string, atSeconds: number, duration = 60): string {
  return JSON.stringify(cdr(callId, caller, callee, BASE_MS + atSeconds * 1_000, duration));
}

/**
 * A mixed partition stream: an SDHF burst of 60 one-second calls, a normal caller between its calls, a
 * redelivered call_id and a broken message.
 */
function mixedPayloads(): string[] {
  const payloads = burst(SDHF_CALLER, 60);
  const mixed: string[] = [];
  payloads.forEach((payload, k) => {
    mixed.push(payload);
    if (k % 10 === 3) mixed.push(call(`normal-${k}`, '2347011111111', '2349122222222', k * 5 + 1));
  });
  mixed.splice(20, 0, payloads[2]!); // a duplicate of an early call_id
  mixed.splice(45, 0, '{"call_id": "broken", "caller": ');
  mixed.push(payloads[50]!); // a duplicate of a call_id near the end
  return mixed;
}

describe('PartitionProcessor', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('turns a valid CDR into a call record row for its partition and sequence, acked only after commit', () => {
    const harness = new ProcessorHarness();
    const processor = harness.processor({ partition: 5 });
    const message = fakeMessage(
      17,
      JSON.stringify({ ...cdr('call-1', '+2348012345678', '2349087654321', BASE_MS, 42), answered: true }),
      5,
    );
    processor.handle(asJsMsg(message));

    expect(harness.sink.records).toHaveLength(1);
    expect(harness.sink.records[0]).toMatchObject({
      callId: 'call-1',
      caller: '2348012345678',
      callee: '2349087654321',
      startMs: BASE_MS,
      durationSeconds: 42,
      partition: 5,
      streamSeq: 17,
      late: false,
    });
    expect(harness.sink.deadLetters).toEqual([]);
    expect(harness.sink.processed).toEqual([]);
    expect(harness.publishedDeadLetters).toEqual([]);
    expect(processor.handledSeq).toBe(17);
    expect(processor.lastEventTimeMs).toBe(BASE_MS);
    expect(message.ack).not.toHaveBeenCalled();
    expect(harness.counter('sentinel_records_consumed_total', { phase: 'live' })).toBe(1);
    expect(harness.counter('sentinel_replay_records_total')).toBe(0);
  });

  it('stores a record older than the watermark as late, and counts it', () => {
    const harness = new ProcessorHarness();
    const processor = harness.processor();
    feed(
      processor,
      messages([
        call('fresh', '2348011111111', '2349011111111', 3_600),
        call('stale', '2348011111111', '2349011111112', 3_600 - 600),
      ]),
    );
    expect(harness.sink.records.map((row) => [row.callId, row.late])).toEqual([
      ['fresh', false],
      ['stale', true],
    ]);
    expect(harness.counter('sentinel_late_records_total')).toBe(1);
  });

  it.each([
    ['broken JSON', '{"call_id": "x", "caller": ', 'invalid_json', undefined],
    [
      'a bad caller',
      JSON.stringify(cdr('bad-caller', '+234ABC123', '2349011111111', BASE_MS, 5)),
      'invalid_caller',
      'caller',
    ],
  ])('sends %s to the dead letters and the DLQ stream with its reason', (_what, payload, reason, field) => {
    const harness = new ProcessorHarness();
    const processor = harness.processor({ partition: 2 });
    const message = fakeMessage(9, payload, 2);
    processor.handle(asJsMsg(message));

    expect(harness.sink.records).toEqual([]);
    expect(harness.sink.deadLetters).toHaveLength(1);
    const row = harness.sink.deadLetters[0]!;
    expect(row).toMatchObject({ reason, field, subject: 'cdr.in.2', partition: 2, streamSeq: 9 });
    expect(row.message).not.toBe('');
    expect(new TextDecoder().decode(row.raw)).toBe(payload);
    expect(harness.publishedDeadLetters).toHaveLength(1);
    const published = harness.publishedDeadLetters[0]!;
    expect(published).toMatchObject({ reason, field, subject: 'cdr.in.2', seq: 9 });
    expect(new TextDecoder().decode(published.raw)).toBe(payload);
    expect(harness.counter('sentinel_cdr_ingestion_errors_total', { reason })).toBe(1);
    expect(processor.handledSeq).toBe(9);
  });

  it('marks a duplicate call_id processed without a row, and counts it', () => {
    const harness = new ProcessorHarness();
    const processor = harness.processor({ partition: 1 });
    const payload = call('same-id', '2348011111111', '2349011111111', 10);
    feed(processor, messages([payload, call('other', '2348011111111', '2349011111112', 20), payload], 1, 1));

    expect(harness.sink.records.map((row) => row.callId)).toEqual(['same-id', 'other']);
    expect(harness.sink.processed).toEqual([{ partition: 1, streamSeq: 3 }]);
    expect(harness.counter('sentinel_cdr_records_duplicate_total')).toBe(1);
    expect(processor.callerStats(2348011111111)?.windows[0]?.callCount).toBe(2);
  });

  it('ignores a redelivery at or below the last handled sequence', () => {
    const harness = new ProcessorHarness();
    const processor = harness.processor();
    const batch = messages([
      call('a', '2348011111111', '2349011111111', 10),
      call('b', '2348011111111', '2349011111112', 20),
    ]);
    feed(processor, batch);
    feed(processor, [batch[1]!, batch[0]!]);
    // A redelivery may carry other bytes than the first delivery (it must not matter): seq decides.
    processor.handle(asJsMsg(fakeMessage(2, call('c', '2348011111111', '2349011111113', 30))));

    expect(harness.sink.records.map((row) => row.streamSeq)).toEqual([1, 2]);
    expect(harness.sink.processed).toEqual([]);
    expect(harness.counter('sentinel_records_consumed_total')).toBe(2);
    expect(processor.callerStats(2348011111111)?.windows[0]?.callCount).toBe(2);
  });

  it('rebuilds state from messages at or below the committed sequence without writing or acking them', () => {
    const harness = new ProcessorHarness();
    const processor = harness.processor({ committedSeq: 3 });
    const batch = messages([
      call('replayed-a', '2348011111111', '2349011111111', 10),
      '{"broken": ',
      call('replayed-b', '2348011111111', '2349011111112', 20),
      call('replayed-a', '2348011111111', '2349011111111', 10), // live now: a duplicate of a replayed id
      call('live', '2348011111111', '2349011111113', 30),
    ]);
    feed(processor, batch);

    expect(harness.sink.records.map((row) => [row.callId, row.streamSeq])).toEqual([['live', 5]]);
    expect(harness.sink.deadLetters).toEqual([]);
    expect(harness.publishedDeadLetters).toEqual([]);
    expect(harness.sink.processed).toEqual([{ partition: 0, streamSeq: 4 }]);
    expect(processor.callerStats(2348011111111)?.windows[0]).toMatchObject({
      callCount: 3,
      distinctCallees: 3,
    });
    expect(harness.counter('sentinel_records_consumed_total', { phase: 'replay' })).toBe(3);
    expect(harness.counter('sentinel_records_consumed_total', { phase: 'live' })).toBe(2);
    expect(harness.counter('sentinel_replay_records_total')).toBe(3);
    expect(harness.counter('sentinel_cdr_ingestion_errors_total')).toBe(0);

    processor.markCommitted(5);
    // AckNone consumers: progress lives in sink_offsets, nothing is acked to JetStream.
    expect(batch.map((message) => message.ack.mock.calls.length)).toEqual([0, 0, 0, 0, 0]);
  });

  it('emits an SDHF burst alert once per window, to the sink (published only after its commit)', () => {
    const harness = new ProcessorHarness();
    const processor = harness.processor();
    const batch = messages(burst(SDHF_CALLER, 60));
    feed(processor, batch.slice(0, 50));
    expect(harness.sink.alerts).toEqual([]);

    feed(processor, batch.slice(50, 51)); // the 51st distinct callee crosses "more than 50"
    expect(harness.sink.alerts).toHaveLength(3);
    feed(processor, batch.slice(51));
    expect(harness.sink.alerts).toHaveLength(3);

    expect(harness.sink.alerts.map((alert) => alert.window_seconds)).toEqual([600, 3_600, 86_400]);
    for (const alert of harness.sink.alerts) {
      expect(alertFacts(alert)).toMatchObject({
        suspect_number: SDHF_CALLER,
        alert_severity: 'MEDIUM',
        reason: 'opened',
        call_count: 51,
        unique_destinations: 51,
      });
      expect(alert.rule).toBe('sdhf');
      expect(alert.event_to_alert_ms).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(harness.sink.alerts.map((alert) => alert.alert_key)).size).toBe(3);
    expect(harness.sink.alertPartitions).toEqual([0, 0, 0]);
    expect(harness.sink.records).toHaveLength(60);
    expect(harness.counter('sentinel_alerts_generated_total', { rule: 'sdhf', severity: 'MEDIUM' })).toBe(3);
    expect(harness.counter('sentinel_alerts_by_severity_total', { severity: 'MEDIUM' })).toBe(3);
    expect(processor.callerStats(Number(SDHF_CALLER))?.openEpisodes).toHaveLength(3);
  });

  it('publishes no alert for a burst it only replays, and the rebuilt episode keeps live calls quiet', () => {
    const harness = new ProcessorHarness();
    const processor = harness.processor({ committedSeq: 60 });
    const batch = messages(burst(SDHF_CALLER, 65));
    feed(processor, batch);

    expect(harness.sink.alerts).toEqual([]);
    expect(harness.sink.records.map((row) => row.streamSeq)).toEqual([61, 62, 63, 64, 65]);
    const snapshot = processor.callerStats(Number(SDHF_CALLER));
    expect(snapshot?.windows[0]?.distinctCallees).toBe(65);
    expect(snapshot?.openEpisodes.map((episode) => episode.windowMs / 1_000)).toEqual([600, 3_600, 86_400]);
    expect(snapshot?.caller).toBe(Number(SDHF_CALLER));
  });

  it('markCommitted releases commit waits and the sink-lag record, and acks nothing (AckNone)', async () => {
    const harness = new ProcessorHarness();
    const processor = harness.processor();
    const batch = messages(
      [1, 2, 3, 4, 5].map((k) => call(`c-${k}`, '2348011111111', `234901111111${k}`, k * 10)),
    );
    feed(processor, batch);
    expect(processor.oldestUncommittedMs()).toBe(batch[0]!.storedMs);
    const untilFour = processor.waitCommitted(4, 60_000);

    processor.markCommitted(3);
    expect(processor.oldestUncommittedMs()).toBe(batch[3]!.storedMs);
    await expect(processor.waitCommitted(2, 60_000)).resolves.toBe(true);
    await expect(processor.waitCommitted(3, 60_000)).resolves.toBe(true);

    processor.markCommitted(5);
    await expect(untilFour).resolves.toBe(true);
    expect(processor.oldestUncommittedMs()).toBe(Number.POSITIVE_INFINITY);

    // An older commit report moves nothing backwards.
    processor.markCommitted(2);
    await expect(processor.waitCommitted(5, 60_000)).resolves.toBe(true);
    expect(batch.map((message) => message.ack.mock.calls.length)).toEqual([0, 0, 0, 0, 0]);
  });

  it('waitCommitted resolves false after its timeout, or at once when cancelled', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const processor = new ProcessorHarness().processor();
    feed(processor, messages([call('a', '2348011111111', '2349011111111', 10)]));
    const timedOut = processor.waitCommitted(1, 1_000);
    const cancelled = processor.waitCommitted(1, 60_000);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(timedOut).resolves.toBe(false);
    processor.cancelCommitWaits();
    await expect(cancelled).resolves.toBe(false);
  });

  it('waitApplied resolves once the sequence is handled, whatever the message held, or false at its timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const processor = new ProcessorHarness().processor();
    feed(processor, messages([call('a', '2348011111111', '2349011111111', 10)]));
    await expect(processor.waitApplied(1, 1_000)).resolves.toBe(true);

    let applied: boolean | undefined;
    void processor.waitApplied(3, 1_000).then((value) => (applied = value));
    const neverApplied = processor.waitApplied(10, 1_000);
    processor.handle(asJsMsg(fakeMessage(2, call('b', '2348011111111', '2349011111112', 20))));
    await vi.advanceTimersByTimeAsync(0);
    expect(applied).toBeUndefined();
    processor.handle(asJsMsg(fakeMessage(3, 'not json')));
    await vi.advanceTimersByTimeAsync(0);
    expect(applied).toBe(true);

    await vi.advanceTimersByTimeAsync(1_000);
    await expect(neverApplied).resolves.toBe(false);
  });

  it.each([
    ['before the burst alerts', 30],
    ['after the burst alerted', 58],
  ])('continues from a checkpoint taken %s exactly as an uninterrupted processor would', (_when, split) => {
    const payloads = mixedPayloads();
    const whole = new ProcessorHarness();
    const uninterrupted = whole.processor();
    feed(uninterrupted, messages(payloads));
    expect(whole.sink.alerts.length).toBeGreaterThan(0);

    const harness = new ProcessorHarness();
    const first = harness.processor();
    feed(first, messages(payloads.slice(0, split)));
    first.markCommitted(split);
    const checkpoint = first.checkpoint(1_750_000_000_000, STREAM);
    expect(checkpoint).toMatchObject({
      partition: 0,
      stream: STREAM,
      seq: split,
      takenAtMs: 1_750_000_000_000,
    });

    const resumed = harness.processor({ committedSeq: split, restored: checkpoint });
    expect(resumed.handledSeq).toBe(split);
    const rest = messages(payloads.slice(split), split + 1);
    resumed.handle(asJsMsg(fakeMessage(split, payloads[split - 1]!))); // redelivered: already handled
    feed(resumed, rest);

    expect(harness.sink.alerts.map(alertFacts)).toEqual(whole.sink.alerts.map(alertFacts));
    expect(harness.sink.alerts.map(alertFacts)).toEqual(whole.sink.alerts.map(alertFacts));
    const rowFacts = (h: ProcessorHarness): unknown[] =>
      h.sink.records.map((row) => [row.callId, row.streamSeq, row.late]);
    expect(rowFacts(harness)).toEqual(rowFacts(whole));
    expect(harness.sink.processed).toEqual(whole.sink.processed);
    expect(harness.sink.deadLetters.map((row) => row.streamSeq)).toEqual(
      whole.sink.deadLetters.map((row) => row.streamSeq),
    );
    expect(resumed.callerStats(Number(SDHF_CALLER))).toEqual(uninterrupted.callerStats(Number(SDHF_CALLER)));
  });

  it('refuses a checkpoint ahead of the committed sequence, or one taken with other windows', () => {
    const harness = new ProcessorHarness();
    const first = harness.processor();
    feed(first, messages(burst(SDHF_CALLER, 10)));
    const checkpoint = first.checkpoint(1_750_000_000_000, STREAM);

    expect(() => harness.processor({ committedSeq: 9, restored: checkpoint })).toThrow(RangeError);
    expect(() => harness.processor({ committedSeq: 9, restored: checkpoint })).toThrow(
      /checkpoint at 10 is ahead of the committed offset 9/,
    );
    expect(() =>
      harness.processor({
        committedSeq: 10,
        restored: checkpoint,
        engineOptions: { windowsMs: [600_000, 3_600_000, 86_400_000], allowedLatenessMs: 60_000 },
      }),
    ).toThrow(SnapshotError);
    expect(() =>
      harness.processor({
        committedSeq: 10,
        restored: checkpoint,
        engineOptions: { ...ENGINE_OPTIONS, feedDelayMs: 600_000 },
      }),
    ).toThrow(/feed delay/);
    expect(harness.processor({ committedSeq: 10, restored: checkpoint }).handledSeq).toBe(10);
  });
});
