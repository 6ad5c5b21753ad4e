import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliUsageError } from '../../loadtest/lib/cli-args.js';
import {
  parsePublishLiveArgs,
  runPublishLive,
  type PublishLiveOptions,
} from '../../loadtest/lib/publish-live-cli.js';
import { decodeCdr, partitionOf } from '../../src/codec/index.js';
import { connectTestNats, uniqueName } from '../support/nats.js';

const PARTITIONS = 4;
const NOW_MS = Date.UTC(2025, 5, 2, 12);

describe('publish-live', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const stream = uniqueName('LOADTEST');
  const prefix = uniqueName('loadtest').toLowerCase();

  beforeAll(async () => {
    nc = await connectTestNats();
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${prefix}.*`], duplicate_window: nanos(120_000) });
  });

  afterAll(async () => {
    await jsm.streams.delete(stream);
    await nc.close();
  });

  it('publishes generated records on their caller partition with Msg-Id = call_id, duplicates dropped by JetStream', async () => {
    const nowMs = Date.now();
    const parsed = parsePublishLiveArgs(
      [
        ...['--rate', '1500', '--duration', '2s', '--warmup', '5m'],
        ...['--partitions', String(PARTITIONS), '--subject-prefix', prefix, '--subscribers', '5000'],
      ],
      nowMs,
    );
    expect(parsed).toBeDefined();
    const options: PublishLiveOptions = {
      ...(parsed as PublishLiveOptions),
      // Enough duplicates and malformed records to see both in two seconds of traffic. A copy follows its
      // original by ~20 s on average, and JetStream drops it only when the original was published too (not
      // simulated in the warm-up), so few copies in a short run are JetStream duplicates: hence the high rate.
      traffic: { ...(parsed as PublishLiveOptions).traffic, duplicateRate: 0.2, malformedRate: 0.01 },
    };
    const stats = await runPublishLive(nc, options);

    expect(stats.sent).toBeGreaterThan(100);
    expect(stats.generated.duplicate).toBeGreaterThan(0);
    expect(stats.publisher.failed).toBe(0);
    expect(stats.publisher.acked).toBe(stats.sent);
    const info = await jsm.streams.info(stream);
    // Every exact duplicate carried its original's call_id, so JetStream stored it once.
    expect(stats.publisher.duplicates).toBeGreaterThan(0);
    expect(info.state.messages).toBe(stats.sent - stats.publisher.duplicates);

    let malformed = 0;
    for (let seq = 1; seq <= Math.min(info.state.messages, 400); seq++) {
      const message = await jsm.streams.getMessage(stream, { seq });
      expect(message).not.toBeNull();
      if (message === null) continue;
      const result = decodeCdr(message.data, { nowMs: Date.now() });
      if (!result.ok) {
        malformed++;
        continue;
      }
      const caller = String(result.cdr.caller);
      expect(message.subject).toBe(`${prefix}.${partitionOf(caller, PARTITIONS)}`);
      expect(message.header?.get('Nats-Msg-Id')).toBe(result.cdr.callId);
      // Anchored at now: nothing starts in the future; the warm-up reaches back 5 min of simulated time.
      expect(result.cdr.startMs).toBeLessThanOrEqual(Date.now());
      expect(result.cdr.startMs).toBeGreaterThan(nowMs - 6 * 60_000);
    }
    expect(malformed).toBeLessThan(40);
  });

  it('chooses a time compression that makes the network produce the requested rate', () => {
    const slow = parsePublishLiveArgs(['--rate', '1', '--subscribers', '100000'], NOW_MS);
    const fast = parsePublishLiveArgs(['--rate', '50000', '--subscribers', '100000'], NOW_MS);
    expect(slow?.traffic.timeCompression).toBe(1);
    expect(fast?.traffic.timeCompression).toBeGreaterThan(1000);
    const pinned = parsePublishLiveArgs(['--rate', '50000', '--compression', '3'], NOW_MS);
    expect(pinned?.traffic.timeCompression).toBe(3);
  });

  it('rejects bad arguments with a usage error naming the flag', () => {
    expect(() => parsePublishLiveArgs([], NOW_MS)).toThrow(CliUsageError);
    expect(() => parsePublishLiveArgs(['--rate', 'fast'], NOW_MS)).toThrow(/--rate/);
    expect(() => parsePublishLiveArgs(['--rate', '10', '--duration', 'forever'], NOW_MS)).toThrow(
      /--duration/,
    );
    expect(() => parsePublishLiveArgs(['--rate', '10', '--partitions', '0'], NOW_MS)).toThrow(/--partitions/);
    expect(parsePublishLiveArgs(['--help'], NOW_MS)).toBeUndefined();
  });
});
