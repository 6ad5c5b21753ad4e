/**
 * One header of a delivered JetStream message, read without decoding the header block. Decoding (`msg.headers`:
 * TextDecoder, split, a regex per header) costs about 8 µs a message here — a quarter of a shard worker's
 * per-CDR budget — only to learn that a rare header (`Sentinel-Replay-Of`) is absent, since every CDR carries a
 * `Nats-Msg-Id` block. This scans the raw block instead (well under a microsecond), through the fields nats-core's
 * `MsgImpl` keeps it in (`_rdata`, `_msg.hdr`), which the client's `JsMsgImpl` exposes as `msg` — the same kind of
 * reliance on the client's insides as `PublishHeaders`. When those fields are not there (another client
 * version), it falls back to the decoded headers, so it is always correct, only slower.
 *
 * The name is matched exactly as Sentinel writes it (headers are case-sensitive on the wire; nats.js
 * canonicalises when decoding, so the fallback is case-insensitive).
 */
import type { JsMsg } from '@nats-io/jetstream';

const CR = 13;
const LF = 10;

interface RawMessage {
  _rdata?: unknown;
  _msg?: { hdr?: unknown };
}

/** `\r\n<name>:` as bytes, for `peekHeader`. Build once per header name. */
export function headerNeedle(name: string): Uint8Array {
  return Buffer.from(`\r\n${name}:`, 'latin1');
}

function rawBlock(msg: JsMsg): { bytes: Uint8Array; length: number } | undefined {
  const core = (msg as unknown as { msg?: RawMessage }).msg;
  const bytes = core?._rdata;
  const length = core?._msg?.hdr;
  if (!(bytes instanceof Uint8Array) || typeof length !== 'number') return undefined;
  return { bytes, length };
}

/** The value of header `name` (needle from `headerNeedle(name)`), or undefined when the message has none. */
export function peekHeader(msg: JsMsg, name: string, needle: Uint8Array): string | undefined {
  const raw = rawBlock(msg);
  if (raw === undefined) {
    const value = msg.headers?.get(name);
    return value === undefined || value === '' ? undefined : value;
  }
  const { bytes, length } = raw;
  const last = Math.min(length, bytes.length) - needle.length;
  for (let at = 0; at <= last; at++) {
    if (bytes[at] !== CR) continue;
    let matched = true;
    for (let k = 1; k < needle.length; k++) {
      if (bytes[at + k] !== needle[k]) {
        matched = false;
        break;
      }
    }
    if (!matched) continue;
    let end = at + needle.length;
    while (end < length && bytes[end] !== CR && bytes[end] !== LF) end++;
    const value = Buffer.from(bytes.buffer, bytes.byteOffset + at + needle.length, end - at - needle.length)
      .toString('utf8')
      .trim();
    return value === '' ? undefined : value;
  }
  return undefined;
}

/** Exposed for tests: whether `peekHeader` can read this message's raw header block. */
export function canPeekRawHeaders(msg: JsMsg): boolean {
  return rawBlock(msg) !== undefined;
}
