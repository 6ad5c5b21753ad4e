/**
 * Where a delivered JetStream message sits, read straight from the reply subject's bytes: its stream sequence,
 * delivery sequence, stored time and the consumer's pending count. The shard workers need all four for every
 * CDR (offsets; a gap check; the partition clock and the latency start; the pull size). nats.js gets them
 * through `msg.info`, which decodes the reply subject to a string, splits it into a dozen strings and parses
 * eight numbers: about 0.8 µs a message here and 4–5 % of a draining worker's profile, plus the garbage. This
 * scan reads the four numbers from the bytes, in about 0.1 µs, and allocates nothing.
 *
 * It reads the raw reply through the fields nats-core's `MsgImpl` keeps it in (`_msg.reply`), the same reliance
 * on the client's insides as `peekHeader`. Whenever the bytes are not there or do not look like a JetStream ack
 * subject, it falls back to `msg.info`, so it is always correct (and throws where `msg.info` throws), only
 * slower. test/stream/delivery-position.int.test.ts pins the fast path to what the client really delivers.
 *
 * The stored time is split at the millisecond so both parts are exact; `msg.info.timestampNanos / 1e6` rounds the
 * 19-digit nanosecond count first, so the two can differ in a double's last bit (under a microsecond). Live runs
 * and replays both read it here, so they see the same arrival times.
 *
 * Ack subjects, counted in dots (stream and consumer names cannot hold one):
 * - `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<nanos>.<pending>` (8 dots, servers before 2.10);
 * - `$JS.ACK.<domain>.<account>.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<nanos>.<pending>[.<token>]`.
 */
import type { JsMsg } from '@nats-io/jetstream';

const DOT = 46;
const ZERO = 48;
const NINE = 57;
/** The last dot position kept (0-based): the longest known form has 11 dots, the last one after the pending count. */
const DOTS_KEPT = 10;
/** `$JS.ACK.` as bytes. */
const PREFIX = [36, 74, 83, 46, 65, 67, 75, 46];
/** The nanosecond digits below a millisecond. */
const SUB_MS_DIGITS = 6;

/** Where a message sits in its stream and its consumer. Reused by `readDeliveryPosition`: copy what you keep. */
export interface DeliveryPosition {
  /** The stream sequence. */
  seq: number;
  /** The consumer's delivery sequence (redeliveries included). */
  deliverySeq: number;
  /** When the stream stored it, in epoch milliseconds (fractional: nanosecond precision as far as a double goes). */
  storedMs: number;
  /** Messages the consumer still had to deliver after this one. */
  pending: number;
}

/** A fresh position to pass to `readDeliveryPosition`. */
export function deliveryPosition(): DeliveryPosition {
  return { seq: 0, deliverySeq: 0, storedMs: 0, pending: 0 };
}

interface RawReply {
  _msg?: { reply?: unknown };
}

const dotsAt = new Int32Array(DOTS_KEPT + 1);

function rawReply(msg: JsMsg): Uint8Array | undefined {
  const reply = (msg as unknown as { msg?: RawReply }).msg?._msg?.reply;
  return reply instanceof Uint8Array ? reply : undefined;
}

/** The decimal digits of `bytes[from, to)`, or -1 when the range is empty or holds anything else. */
function digits(bytes: Uint8Array, from: number, to: number): number {
  if (to <= from) return -1;
  let value = 0;
  for (let i = from; i < to; i++) {
    const c = bytes[i]!;
    if (c < ZERO || c > NINE) return -1;
    value = value * 10 + (c - ZERO);
  }
  return value;
}

/** Fills `out` from the raw reply; false when it is not an ack subject this scan understands. */
function scan(bytes: Uint8Array, out: DeliveryPosition): boolean {
  const n = bytes.length;
  if (n < PREFIX.length) return false;
  for (let i = 0; i < PREFIX.length; i++) if (bytes[i] !== PREFIX[i]) return false;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    if (bytes[i] !== DOT) continue;
    if (dots <= DOTS_KEPT) dotsAt[dots] = i;
    dots++;
  }
  // The dot before the stream sequence: the 5th (old form) or the 7th (with domain and account).
  let before: number;
  if (dots === 8) before = 4;
  else if (dots === 10 || dots === 11) before = 6;
  else return false;
  const seq = digits(bytes, dotsAt[before]! + 1, dotsAt[before + 1]!);
  const deliverySeq = digits(bytes, dotsAt[before + 1]! + 1, dotsAt[before + 2]!);
  const nanosFrom = dotsAt[before + 2]! + 1;
  const nanosTo = dotsAt[before + 3]!;
  // The pending count is the last token, or the one before the random token of the 11-dot form.
  const pending = digits(bytes, nanosTo + 1, dots === 11 ? dotsAt[10]! : n);
  if (seq < 0 || deliverySeq < 0 || pending < 0 || nanosTo - nanosFrom <= SUB_MS_DIGITS) return false;
  // Split at the millisecond so both parts stay exact integers (nanoseconds since 1970 pass 2^53).
  const wholeMs = digits(bytes, nanosFrom, nanosTo - SUB_MS_DIGITS);
  const subMs = digits(bytes, nanosTo - SUB_MS_DIGITS, nanosTo);
  if (wholeMs < 0 || subMs < 0) return false;
  out.seq = seq;
  out.deliverySeq = deliverySeq;
  out.storedMs = wholeMs + subMs / 1e6;
  out.pending = pending;
  return true;
}

/** Writes where `msg` sits into `out` and returns it. */
export function readDeliveryPosition(msg: JsMsg, out: DeliveryPosition): DeliveryPosition {
  const bytes = rawReply(msg);
  if (bytes !== undefined && scan(bytes, out)) return out;
  const info = msg.info;
  out.seq = info.streamSequence;
  out.deliverySeq = info.deliverySequence;
  out.storedMs = info.timestampNanos / 1e6;
  out.pending = info.pending;
  return out;
}

/** Exposed for tests: whether `readDeliveryPosition` takes the fast path for this message. */
export function canReadRawReply(msg: JsMsg): boolean {
  const bytes = rawReply(msg);
  return bytes !== undefined && scan(bytes, deliveryPosition());
}
