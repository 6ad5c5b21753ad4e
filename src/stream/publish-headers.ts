/**
 * Message headers for the publish hot path. The client's generic `headers().set()` canonicalises the key,
 * runs a regex on the value and encodes through TextEncoder (a fresh ArrayBuffer per message): about 5 µs
 * per message here, against under 0.5 µs for building the header block once and encoding it with
 * `Buffer.from` (pooled). Still a real MsgHdrs, so `get`/`has` work and a re-send reuses the bytes.
 */
import { MsgHdrsImpl } from '@nats-io/nats-core';

/** RFC 7230 token characters: what a header name may contain. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function checkedValue(name: string, value: string): string {
  if (value.includes('\r') || value.includes('\n')) {
    throw new RangeError(`header ${name} must not contain CR or LF`);
  }
  return value;
}

export class PublishHeaders extends MsgHdrsImpl {
  private encoded: Uint8Array | undefined;

  /** Throws RangeError for a header name that is not a token or a value holding CR/LF. */
  constructor(msgId: string | undefined, extra: Readonly<Record<string, string>> | undefined) {
    super();
    if (msgId !== undefined) this.headers.set('Nats-Msg-Id', [checkedValue('Nats-Msg-Id', msgId)]);
    if (extra !== undefined) {
      for (const [name, value] of Object.entries(extra)) {
        if (!HEADER_NAME.test(name))
          throw new RangeError(`header name ${JSON.stringify(name)} is not a valid token`);
        this.headers.set(name, [checkedValue(name, value)]);
      }
    }
  }

  /** The wire block `NATS/1.0\r\nName: value\r\n…\r\n\r\n`, built once. */
  override encode(): Uint8Array {
    if (this.encoded === undefined) {
      let text = 'NATS/1.0';
      for (const [name, values] of this.headers) for (const value of values) text += `\r\n${name}: ${value}`;
      this.encoded = Buffer.from(`${text}\r\n\r\n`, 'utf8');
    }
    return this.encoded;
  }

  override set(name: string, value: string, match?: Parameters<MsgHdrsImpl['set']>[2]): void {
    this.encoded = undefined;
    super.set(name, value, match);
  }

  override append(name: string, value: string, match?: Parameters<MsgHdrsImpl['append']>[2]): void {
    this.encoded = undefined;
    super.append(name, value, match);
  }

  override delete(name: string, match?: Parameters<MsgHdrsImpl['delete']>[1]): void {
    this.encoded = undefined;
    super.delete(name, match);
  }
}
