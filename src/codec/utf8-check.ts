/**
 * UTF-8 well-formedness over bytes, without decoding: the decoder's scanner checks each non-ASCII sequence it
 * meets where a fatal TextDecoder would decode the whole message to a string first. It must reject exactly
 * what `new TextDecoder('utf-8', { fatal: true })` rejects (the property tests compare the two).
 *
 * Well-formed sequences (Unicode 15, table 3-7):
 *   U+0080..U+07FF     C2..DF 80..BF
 *   U+0800..U+0FFF     E0 A0..BF 80..BF
 *   U+1000..U+CFFF     E1..EC 80..BF 80..BF
 *   U+D000..U+D7FF     ED 80..9F 80..BF        (no surrogates)
 *   U+E000..U+FFFF     EE..EF 80..BF 80..BF
 *   U+10000..U+3FFFF   F0 90..BF 80..BF 80..BF
 *   U+40000..U+FFFFF   F1..F3 80..BF 80..BF 80..BF
 *   U+100000..U+10FFFF F4 80..8F 80..BF 80..BF
 * Everything else (C0, C1, F5..FF leads, overlong forms, stray continuation bytes, cut-off sequences) is not.
 */

function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x80 && byte <= 0xbf;
}

/**
 * The index just past the well-formed multi-byte sequence that starts at `at` (whose lead byte is ≥ 0x80),
 * or -1 when it is not well formed or runs past `end`.
 */
export function utf8SequenceEnd(bytes: Uint8Array, at: number, end: number): number {
  const lead = bytes[at]!;
  if (lead >= 0xc2 && lead <= 0xdf) {
    return at + 1 < end && isContinuation(bytes[at + 1]) ? at + 2 : -1;
  }
  if (lead >= 0xe0 && lead <= 0xef) {
    if (at + 2 >= end) return -1;
    const second = bytes[at + 1]!;
    const low = lead === 0xe0 ? 0xa0 : 0x80;
    const high = lead === 0xed ? 0x9f : 0xbf;
    return second >= low && second <= high && isContinuation(bytes[at + 2]) ? at + 3 : -1;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    if (at + 3 >= end) return -1;
    const second = bytes[at + 1]!;
    const low = lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xf4 ? 0x8f : 0xbf;
    return second >= low && second <= high && isContinuation(bytes[at + 2]) && isContinuation(bytes[at + 3])
      ? at + 4
      : -1;
  }
  return -1;
}

/** True when `bytes[start, end)` is well-formed UTF-8. */
export function isWellFormedUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let at = start;
  while (at < end) {
    if (bytes[at]! < 0x80) {
      at++;
      continue;
    }
    at = utf8SequenceEnd(bytes, at, end);
    if (at < 0) return false;
  }
  return true;
}
