/**
 * Decimal digits are read into a number without building a string while the value stays at or below
 * 2^53 - 1 (lenient-values.ts, cdr-scanner.ts); above that they go through `Number()`. Epoch microseconds have
 * sixteen digits, so this boundary sits inside the values real feeds send. Both readings must equal what
 * `Number()` and `JSON.parse` give for the same text, on each side of the boundary.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCdr } from '../../src/codec/index.js';
import { decodeCdrByParsing } from '../../src/codec/cdr-decoder.js';
import { parseDecimalBytes } from '../../src/codec/lenient-values.js';

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0));

/** Around 2^53 = 9007199254740992, and the largest digit runs the decimal grammar allows. */
const boundaryTexts = [
  '9007199254740990',
  '9007199254740991',
  '9007199254740992',
  '9007199254740993',
  '9007199254740994',
  '9007199254740995',
  '18014398509481983',
  '18014398509481985',
  '99999999999999999',
  '1767225600000000',
  '0009007199254740993',
  '-9007199254740993',
  '+9007199254740993',
  '9007199254740993.000',
  '9007199254740991.5',
  '9'.repeat(31),
];

/** The same digits as a JSON number token: no `+`, no leading zeros. */
function asJsonNumber(text: string): string {
  const match = /^([+-]?)0*(\d+(?:\.\d+)?)$/.exec(text);
  if (match === null) throw new Error(`not a decimal: ${text}`);
  return `${match[1] === '-' ? '-' : ''}${match[2]}`;
}

const digitRuns = fc.oneof(
  fc.constantFrom(...boundaryTexts),
  fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String),
  fc.bigInt({ min: 2n ** 53n - 1000n, max: 2n ** 53n + 1000n }).map(String),
  fc.stringMatching(/^[+-]?\d{1,20}(\.\d{1,5})?$/),
);

describe('decimal digits read without a string', () => {
  it('equal Number() of the same text, on both sides of 2^53', () => {
    for (const text of boundaryTexts) {
      expect(parseDecimalBytes(ascii(text), 0, text.length), text).toBe(Number(text));
    }
    fc.assert(
      fc.property(digitRuns, (text) => {
        expect(parseDecimalBytes(ascii(text), 0, text.length)).toBe(Number(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('as JSON numbers and as strings, give the byte scanner the same result as JSON.parse', () => {
    const nowMs = Date.UTC(2026, 0, 2);
    fc.assert(
      fc.property(digitRuns, fc.boolean(), (text, quoted) => {
        const value = quoted ? JSON.stringify(text) : asJsonNumber(text);
        const json =
          `{"call_id":"c1","caller":"+2348012345678","callee":"2348098765432","start":${value},` +
          `"duration":${value},"cause":${value},"imsi":${value}}`;
        const bytes = new TextEncoder().encode(json);
        expect(decodeCdr(bytes, { nowMs })).toStrictEqual(decodeCdrByParsing(bytes, { nowMs }));
      }),
      { numRuns: 2_000 },
    );
  });
});
