/**
 * A partition opened again under the same lease epoch (the supervisor retries a failed open after 2 s) gets
 * its consumer even when the failed attempt's consumer exists on the server with another start sequence: a
 * create whose reply timed out (a NATS node died meanwhile) may still have created it. Found by the chaos
 * suite (test/chaos): before, both attempts used the same name and the retry failed on every attempt.
 */
import { jetstreamManager, jetstream, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartitionConsumer } from '../../../src/engine/worker/partition-consumer.js';
import { connectTestNats, uniqueName } from '../../support/nats.js';

describe('PartitionConsumer: opening again under the same epoch', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const stream = uniqueName('RETRY');
  const subject = `${stream}.cdr`;

  beforeAll(async () => {
    nc = await connectTestNats();
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [subject] });
    const js = jetstream(nc);
    for (let i = 0; i < 10; i++) await js.publish(subject, `m${i}`);
  });

  afterAll(async () => {
    await jsm?.streams.delete(stream).catch(() => false);
    await nc?.close();
  });

  it('positions a new consumer even though the earlier attempt left one at another sequence', async () => {
    const logger = pino({ level: 'silent' });
    const options = {
      stream,
      filter: undefined,
      namePrefix: 'sentinel-p00-e42',
      committedSeq: 4,
      replayFromMs: 0,
    };
    const first = new PartitionConsumer(jetstream(nc), jsm, options, logger);
    const firstAt = await first.open(); // left behind, as a create whose reply was lost would be
    const retry = new PartitionConsumer(jetstream(nc), jsm, { ...options, resumeAfterSeq: 7 }, logger);
    const retryAt = await retry.open();
    expect(firstAt.startSeq).toBe(1);
    expect(retryAt.startSeq).toBe(5);
    expect(retryAt.name).not.toBe(firstAt.name);
    expect(retryAt.name.startsWith('sentinel-p00-e42-')).toBe(true);
    const delivered = await retryAt.consumer.next({ expires: 2_000 });
    expect(delivered?.seq).toBe(5);
    await Promise.all([first.close(), retry.close()]);
  });
});
