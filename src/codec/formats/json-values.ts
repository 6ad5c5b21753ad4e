/**
 * Splits a byte stream into top-level JSON values without parsing them: NDJSON, pretty-printed documents one
 * after another, or `cat *.cdr.json` output where one file's `}` meets the next one's `{` on the same line.
 * mod_json_cdr writes one file per call leg, with or without a trailing newline, so a line splitter is not
 * enough. The scanner tracks only nesting depth and strings; each value is copied out as bytes so the CDR path
 * can check its UTF-8 and size exactly as for a NATS message.
 */

export interface JsonValueBytes {
  /** 1-based position of the value in the input. */
  index: number;
  /** 1-based line on which the value starts. */
  line: number;
  bytes: Uint8Array;
  /** Longer than the limit: `bytes` holds only its start, and the value is skipped. */
  truncated: boolean;
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** Incremental scanner: feed chunks, collect finished values. */
export class JsonValueScanner {
  private parts: Buffer[] = [];
  private size = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Inside a top-level scalar (not an object or array): it ends at whitespace. */
  private inScalar = false;
  private active = false;
  private truncated = false;
  private line = 1;
  private startLine = 1;
  private index = 0;

  constructor(private readonly maxBytes: number) {}

  /** Scans one chunk; returns the values completed in it. */
  push(chunk: Buffer): JsonValueBytes[] {
    const done: JsonValueBytes[] = [];
    // Where the current value's bytes start in this chunk: 0 when it began in an earlier chunk.
    let from = this.active ? 0 : -1;
    for (let at = 0; at < chunk.length; at++) {
      const byte = chunk[at] as number;
      if (!this.active) {
        if (byte === NEWLINE) this.line++;
        if (isSpace(byte)) continue;
        this.begin();
        from = at;
        if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.depth = 1;
        else if (byte === QUOTE) this.inString = true;
        else this.inScalar = true;
        continue;
      }
      if (byte === NEWLINE) this.line++;
      if (this.inScalar) {
        if (!isSpace(byte)) continue;
        this.keep(chunk, from, at);
        done.push(this.finish());
        from = -1;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) {
          this.inString = false;
          if (this.depth === 0) {
            this.keep(chunk, from, at + 1);
            done.push(this.finish());
            from = -1;
          }
        }
        continue;
      }
      if (byte === QUOTE) this.inString = true;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === 0) {
          this.keep(chunk, from, at + 1);
          done.push(this.finish());
          from = -1;
        }
      }
    }
    if (this.active) this.keep(chunk, from, chunk.length);
    return done;
  }

  /** Ends the input: an unfinished value is returned as it is (it will fail to parse). */
  end(): JsonValueBytes[] {
    return this.active ? [this.finish()] : [];
  }

  private begin(): void {
    this.active = true;
    this.truncated = false;
    this.parts = [];
    this.size = 0;
    this.startLine = this.line;
    this.index++;
  }

  private keep(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return;
    const room = this.maxBytes - this.size;
    if (to - from > room) this.truncated = true;
    const taken = Math.min(to - from, Math.max(0, room));
    if (taken > 0) {
      this.parts.push(Buffer.from(chunk.subarray(from, from + taken)));
      this.size += taken;
    }
  }

  private finish(): JsonValueBytes {
    const value = {
      index: this.index,
      line: this.startLine,
      bytes: Buffer.concat(this.parts),
      truncated: this.truncated,
    };
    this.active = false;
    this.inScalar = false;
    this.inString = false;
    this.escaped = false;
    this.depth = 0;
    this.parts = [];
    this.size = 0;
    return value;
  }
}

/** Top-level JSON values of a stream of chunks. */
export async function* splitJsonValues(
  chunks: AsyncIterable<unknown>,
  maxBytes: number,
): AsyncGenerator<JsonValueBytes> {
  const scanner = new JsonValueScanner(maxBytes);
  for await (const chunk of chunks) {
    const buffer = Buffer.isBuffer(chunk)
      ? chunk
      : chunk instanceof Uint8Array
        ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        : Buffer.from(String(chunk));
    yield* scanner.push(buffer);
  }
  yield* scanner.end();
}
