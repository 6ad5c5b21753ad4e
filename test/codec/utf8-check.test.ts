/**
 * The scanner's UTF-8 check must accept exactly what a fatal TextDecoder accepts: a message it lets through
 * as well formed is never one the JSON.parse path would reject as `invalid_encoding`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWellFormedUtf8 } from '../../src/codec/utf8-check.js';

const fatal = new TextDecoder('utf-8', { fatal: true });

function decoderAccepts(bytes: Uint8Array): boolean {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Bytes near the edges of the UTF-8 ranges, where validators go wrong. */
const EDGES = [
  0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xee, 0xef,
];
const LEADS = [0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff];

describe('isWellFormedUtf8', () => {
  it('agrees with the fatal TextDecoder on every one- and two-byte input', () => {
    for (let first = 0; first < 256; first++) {
      expect(isWellFormedUtf8(Uint8Array.of(first), 0, 1)).toBe(decoderAccepts(Uint8Array.of(first)));
      for (let second = 0; second < 256; second++) {
        const bytes = Uint8Array.of(first, second);
        if (isWellFormedUtf8(bytes, 0, 2) !== decoderAccepts(bytes)) expect([first, second]).toBe('agreed');
      }
    }
  });

  it('agrees on three- and four-byte sequences built from range edges', () => {
    const leads = [...EDGES, ...LEADS, 0xe1, 0xec];
    const rest = [...EDGES, 0xbf, 0x41];
    for (const lead of leads) {
      for (const second of rest) {
        for (const third of rest) {
          const three = Uint8Array.of(lead, second, third);
          if (isWellFormedUtf8(three, 0, 3) !== decoderAccepts(three))
            expect([lead, second, third]).toBe('agreed');
          for (const fourth of rest) {
            const four = Uint8Array.of(lead, second, third, fourth);
            if (isWellFormedUtf8(four, 0, 4) !== decoderAccepts(four))
              expect([lead, second, third, fourth]).toBe('agreed');
          }
        }
      }
    }
  });

  it('agrees on random text and random bytes, and respects the span', () => {
    const pieces = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 8 }).map((text) => [...new TextEncoder().encode(text)]),
      fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 4 }),
      fc.array(fc.constantFrom(...EDGES, ...LEADS), { maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 12 }), fc.nat(), (parts, cut) => {
        const bytes = Uint8Array.from(parts.flat());
        const end = bytes.length === 0 ? 0 : cut % (bytes.length + 1);
        expect(isWellFormedUtf8(bytes, 0, end)).toBe(decoderAccepts(bytes.subarray(0, end)));
      }),
      { numRuns: 3_000 },
    );
  });
});
