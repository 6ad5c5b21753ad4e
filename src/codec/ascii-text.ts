/**
 * The bridge between text and bytes for the codec's ASCII grammars (phone numbers, ISO-8601, decimal numbers,
 * `true`/`false`, directions). Each grammar is written once, over bytes, for the decoder's byte scanner; a
 * value that arrives as a JS string (the JSON.parse fallback, the HTTP API, input profiles) is copied into a
 * scratch buffer and read by the same code, so the two paths cannot disagree.
 */

/** Longer than any ASCII grammar the codec reads: a longer text is invalid for all of them. */
export const ASCII_SCRATCH_LENGTH = 64;

/**
 * Shared scratch. Safe to reuse because the codec is synchronous: every caller reads it right after
 * `toAsciiScratch` and before anything else can run.
 */
export const asciiScratch = new Uint8Array(ASCII_SCRATCH_LENGTH);

/**
 * Copies `text` into `asciiScratch`; returns its length, or -1 when it is longer than the scratch or holds a
 * character outside ASCII (no ASCII grammar accepts such a text).
 */
export function toAsciiScratch(text: string): number {
  const length = text.length;
  if (length > ASCII_SCRATCH_LENGTH) return -1;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return -1;
    asciiScratch[i] = code;
  }
  return length;
}

type SliceFunction = (this: Uint8Array, start: number, end: number) => string;

// Node's Buffer methods behind `buffer.toString('latin1' | 'utf8', start, end)`. They accept any Uint8Array as
// `this`, so the decoder can cut strings out of a message without first wrapping it in a Buffer (an
// allocation per message); @types/node does not declare them, hence the cast.
const bufferMethods = Buffer.prototype as unknown as { latin1Slice: SliceFunction; utf8Slice: SliceFunction };
const latin1Slice = bufferMethods.latin1Slice;
const utf8Slice = bufferMethods.utf8Slice;

/** `bytes[start, end)` as text, one character per byte: exact for ASCII. */
export function latin1Text(bytes: Uint8Array, start: number, end: number): string {
  return latin1Slice.call(bytes, start, end);
}

/** `bytes[start, end)` decoded as UTF-8; the bytes must already be known to be valid UTF-8. */
export function utf8Text(bytes: Uint8Array, start: number, end: number): string {
  return utf8Slice.call(bytes, start, end);
}
