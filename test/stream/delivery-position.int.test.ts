/**
 * readDeliveryPosition against a real nats-server: the shard workers read every CDR's stream sequence and stored
 * time through it. Pinned to what the client actually delivers, so a client upgrade that moves the raw reply
 * fails here (the fast path is gone) rather than silently slowing production, and any disagreement with the
 * client's own `msg.info` fails too.
 */
import { AckPolicy, jetstream, type JsMsg } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { canReadRawReply, deliveryPosition, readDeliveryPosition } from '../../src/stream/index.js';
import { scratchStream } from '../support/nats.js';

describe('readDeliveryPosition on delivered messages', () => {
  const scratch = scratchStream('POSITION');

  it('takes the fast path and agrees with msg.info, pending counts and redeliveries included', async () => {
    const { nc, jsm, stream, subject } = scratch;
    const js = jetstream(nc);
    for (let i = 0; i < 20; i++) await js.publish(subject, Buffer.from(`{"n":${i}}`));
    await jsm.consumers.add(stream, {
      durable_name: 'position',
      ack_policy: AckPolicy.Explicit,
      ack_wait: 1e9,
    });
    const consumer = await js.consumers.get(stream, 'position');

    const read = async (count: number): Promise<JsMsg[]> => {
      const messages: JsMsg[] = [];
      const batch = await consumer.fetch({ max_messages: count, expires: 5_000 });
      for await (const msg of batch) messages.push(msg);
      return messages;
    };
    const first = await read(20);
    // Leave the last five unacked and make the server deliver them again.
    for (const msg of first.slice(0, 15)) msg.ack();
    for (const msg of first.slice(15)) msg.nak();
    const again = await read(5);
    expect(first).toHaveLength(20);
    expect(again.map((msg) => msg.info.deliveryCount)).toEqual([2, 2, 2, 2, 2]);

    for (const msg of [...first, ...again]) {
      expect(canReadRawReply(msg)).toBe(true);
      const out = readDeliveryPosition(msg, deliveryPosition());
      expect(out.seq).toBe(msg.info.streamSequence);
      expect(out.deliverySeq).toBe(msg.info.deliverySequence);
      expect(out.pending).toBe(msg.info.pending);
      expect(Math.abs(out.storedMs - msg.info.timestampNanos / 1e6)).toBeLessThan(1e-3);
    }
    expect(first.map((msg) => readDeliveryPosition(msg, deliveryPosition()).seq)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    for (const msg of again) msg.ack();
  });
});
