/**
 * Input plumbing for `sentinel publish`: byte chunks → lines (NDJSON) without decoding them, so each line can be
 * checked as UTF-8 by the CDR decoder exactly as a message from a switch would be, and format detection from
 * the first bytes of a stream.
 */
import type { Readable } from 'node:stream';

export type RecordFormat = 'csv' | 'ndjson';

export interface InputLine {
  /** 1-based line number in the input. */
  line: number;
  bytes: Uint8Array;
  /** Set when the line was longer than the limit: `bytes` then holds only its start. */
  truncated: boolean;
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk));
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

function withoutCr(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN
    ? bytes.subarray(0, bytes.length - 1)
    : bytes;
}

/**
 * Splits chunks into lines (LF or CRLF). Lines are copied out, so the caller may keep them while later chunks
 * arrive. A line longer than `maxLineBytes` is yielded once, cut, with `truncated` set, and memory stays bounded.
 */
export async function* splitLines(
  chunks: AsyncIterable<unknown>,
  maxLineBytes: number,
): AsyncGenerator<InputLine> {
  let line = 0;
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let overflowing = false;
  const emitCarry = (tail: Buffer): InputLine => {
    line++;
    const bytes = withoutCr(Buffer.concat([...carry, tail]));
    const truncated = overflowing || bytes.length > maxLineBytes;
    carry = [];
    carryBytes = 0;
    overflowing = false;
    return {
      line,
      bytes: truncated ? bytes.subarray(0, Math.min(bytes.length, maxLineBytes)) : bytes,
      truncated,
    };
  };
  for await (const chunk of chunks) {
    const buffer = toBuffer(chunk);
    let start = 0;
    for (
      let newline = buffer.indexOf(NEWLINE, start);
      newline !== -1;
      newline = buffer.indexOf(NEWLINE, start)
    ) {
      yield emitCarry(buffer.subarray(start, newline));
      start = newline + 1;
    }
    if (start < buffer.length && !overflowing) {
      const rest = buffer.subarray(start);
      carry.push(Buffer.from(rest));
      carryBytes += rest.length;
      if (carryBytes > maxLineBytes) {
        // Keep only the start of an over-long line; the rest is dropped until its newline.
        carry = [Buffer.concat(carry).subarray(0, maxLineBytes)];
        carryBytes = maxLineBytes;
        overflowing = true;
      }
    }
  }
  if (carryBytes > 0 || overflowing) yield emitCarry(Buffer.alloc(0));
}

/**
 * Reads from `input` until the first line is complete (or the input ends) and guesses the format: a first
 * non-blank character `{` means NDJSON, anything else CSV. Returns the format and an iterable that replays
 * the bytes already read, then the rest of the input.
 */
export async function detectFormat(
  input: Readable,
): Promise<{ format: RecordFormat; chunks: AsyncIterable<Buffer> }> {
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  const seen: Buffer[] = [];
  let done = false;
  while (!seen.some((chunk) => chunk.includes(NEWLINE))) {
    const next = await iterator.next();
    if (next.done === true) {
      done = true;
      break;
    }
    seen.push(toBuffer(next.value));
    if (seen.reduce((total, chunk) => total + chunk.length, 0) > 1_048_576) break;
  }
  const head = Buffer.concat(seen)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  const format: RecordFormat = head.startsWith('{') ? 'ndjson' : 'csv';
  async function* replay(): AsyncGenerator<Buffer> {
    yield* seen;
    if (done) return;
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next())
      yield toBuffer(next.value);
  }
  return { format, chunks: replay() };
}
