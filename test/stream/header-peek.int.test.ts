/**
 * peekHeader reads one header from a delivered message's raw header block, as the shard workers do for
 * `Sentinel-Replay-Of` on every CDR. Against a real nats-server, so the fast path is pinned to what the client
 * actually delivers (a client upgrade that moves its fields fails here, not silently in production).
 */
import { AckPolicy, jetstream, type JsMsg } from '@nats-io/jetstream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  AckingPublisher,
  SENTINEL_HEADERS,
  canPeekRawHeaders,
  headerNeedle,
  peekHeader,
} from '../../src/stream/index.js';
import { scratchStream } from '../support/nats.js';

describe('peekHeader', () => {
  const scratch = scratchStream('PEEK');

  it('finds the header in the raw block, and only where it is', async () => {
    const { nc, jsm, stream, subject } = scratch;
    const publisher = new AckingPublisher(nc, { logger: pino({ level: 'silent' }) });
    await publisher.publish(subject, Buffer.from('{}'), 'plain-1');
    await publisher.publish(subject, Buffer.from('{}'), 'dlq-41', { [SENTINEL_HEADERS.replayOf]: '41' });
    await publisher.publish(subject, Buffer.from('{}'), undefined, {
      'X-Sentinel-Replay-Of-Not': '9',
      Other: 'x',
    });
    await publisher.publish(subject, Buffer.from('{}'));
    await publisher.flush();
    await publisher.close();

    await jsm.consumers.add(stream, { durable_name: 'peek', ack_policy: AckPolicy.None });
    const consumer = await jetstream(nc).consumers.get(stream, 'peek');
    const messages: JsMsg[] = [];
    const batch = await consumer.fetch({ max_messages: 4, expires: 5_000 });
    for await (const msg of batch) messages.push(msg);
    expect(messages).toHaveLength(4);

    const needle = headerNeedle(SENTINEL_HEADERS.replayOf);
    expect(messages.every((msg) => canPeekRawHeaders(msg))).toBe(true);
    expect(messages.map((msg) => peekHeader(msg, SENTINEL_HEADERS.replayOf, needle))).toEqual([
      undefined,
      '41',
      undefined,
      undefined,
    ]);
    // The slow path (decoded headers) agrees.
    const decodedOnly = (msg: JsMsg): JsMsg => ({ headers: msg.headers }) as unknown as JsMsg;
    expect(messages.map((msg) => peekHeader(decodedOnly(msg), SENTINEL_HEADERS.replayOf, needle))).toEqual([
      undefined,
      '41',
      undefined,
      undefined,
    ]);
  });
});
