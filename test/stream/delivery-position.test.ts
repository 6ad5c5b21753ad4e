/**
 * readDeliveryPosition on reply subjects built by hand: both ack-subject forms, and everything that must send
 * it to the client's own parser (`msg.info`) instead of a wrong answer.
 */
import type { JsMsg } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { canReadRawReply, deliveryPosition, readDeliveryPosition } from '../../src/stream/index.js';

const NANOS = '1765030000123456789';
/** NANOS in milliseconds, as whole milliseconds plus the fraction (both exact before the one addition). */
const STORED_MS = 1_765_030_000_123 + 456_789 / 1e6;

interface Info {
  streamSequence: number;
  deliverySequence: number;
  timestampNanos: number;
  pending: number;
}

/** A message as nats-core delivers it: the raw reply bytes where MsgImpl keeps them, and `info` as a fallback. */
function delivered(reply: string, info?: () => Info): JsMsg {
  return {
    msg: { _msg: { reply: Buffer.from(reply, 'latin1') } },
    get info() {
      if (info === undefined) throw new Error('fallback not expected');
      return info();
    },
  } as unknown as JsMsg;
}

describe('readDeliveryPosition', () => {
  it('reads the form with domain and account, with and without the trailing token', () => {
    for (const reply of [
      `$JS.ACK._.ACC.CDR_P03.sentinel-p03.1.1234567.1234560.${NANOS}.42`,
      `$JS.ACK.hub.ACC.CDR_P03.sentinel-p03.3.1234567.1234560.${NANOS}.42.XyZ12`,
    ]) {
      const msg = delivered(reply);
      expect(canReadRawReply(msg)).toBe(true);
      expect(readDeliveryPosition(msg, deliveryPosition())).toEqual({
        seq: 1_234_567,
        deliverySeq: 1_234_560,
        storedMs: STORED_MS,
        pending: 42,
      });
    }
  });

  it('reads the older form without domain and account', () => {
    expect(
      readDeliveryPosition(delivered(`$JS.ACK.CDRS.sentinel.1.7.5.${NANOS}.0`), deliveryPosition()),
    ).toEqual({ seq: 7, deliverySeq: 5, storedMs: STORED_MS, pending: 0 });
  });

  it('agrees with the client parser to within a microsecond', () => {
    for (let i = 0; i < 2_000; i++) {
      const nanos = `${1_765_000_000_000 + i * 7_919_113}${String((i * 104_729) % 1_000_000).padStart(6, '0')}`;
      const out = readDeliveryPosition(
        delivered(`$JS.ACK._.A.S.C.1.${i + 1}.${i + 3}.${nanos}.${i * 31}`),
        deliveryPosition(),
      );
      expect([out.seq, out.deliverySeq, out.pending]).toEqual([i + 1, i + 3, i * 31]);
      expect(Math.abs(out.storedMs - parseInt(nanos, 10) / 1e6)).toBeLessThan(1e-3);
    }
  });

  it('falls back to msg.info for anything that is not an ack subject it understands', () => {
    const info = (): Info => ({
      streamSequence: 11,
      deliverySequence: 4,
      timestampNanos: 5_000_000,
      pending: 2,
    });
    for (const reply of [
      '', // no reply at all
      '_INBOX.abc.def', // not an ack subject
      `$JS.ACK.S.C.1.7.7.${NANOS}`, // too few tokens
      `$JS.ACK._.A.S.C.1.x7.7.${NANOS}.0`, // stream sequence not a number
      `$JS.ACK._.A.S.C.1.7.-7.${NANOS}.0`, // delivery sequence not a number
      `$JS.ACK._.A.S.C.1..7.${NANOS}.0`, // empty sequence
      `$JS.ACK._.A.S.C.1.7.7.${NANOS}.`, // empty pending count
      `$JS.ACK._.A.S.C.1.7.7.${NANOS}.1e3.tok`, // pending count not a number
      '$JS.ACK._.A.S.C.1.7.7.123.0', // a stored time shorter than a millisecond's digits
      `$JS.ACK._.A.S.C.1.7.7.${NANOS}.0.t.extra`, // more tokens than any known form
    ]) {
      const msg = delivered(reply, info);
      expect(canReadRawReply(msg), reply).toBe(false);
      expect(readDeliveryPosition(msg, deliveryPosition()), reply).toEqual({
        seq: 11,
        deliverySeq: 4,
        storedMs: 5,
        pending: 2,
      });
    }
  });

  it('falls back when the client keeps no raw reply (another client version)', () => {
    const msg = {
      info: { streamSequence: 3, deliverySequence: 3, timestampNanos: 2_000_000, pending: 0 },
    } as unknown as JsMsg;
    expect(canReadRawReply(msg)).toBe(false);
    expect(readDeliveryPosition(msg, deliveryPosition())).toEqual({
      seq: 3,
      deliverySeq: 3,
      storedMs: 2,
      pending: 0,
    });
  });

  it('writes into the object it is given and returns it', () => {
    const out = deliveryPosition();
    expect(readDeliveryPosition(delivered(`$JS.ACK.S.C.1.9.9.${NANOS}.0`), out)).toBe(out);
    expect(out.seq).toBe(9);
  });
});
