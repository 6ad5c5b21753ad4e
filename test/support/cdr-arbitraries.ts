/**
 * fast-check arbitraries for the CDR contract, shared by the codec's property tests: any record the decoder must
 * accept, at a fixed "now" so the future-skew bound is deterministic.
 */
import fc from 'fast-check';
import { MIN_START_MS, isPrintableText, type Cdr } from '../../src/codec/index.js';

/** The decoder's notion of now in these tests. */
export const ARBITRARY_NOW_MS = Date.UTC(2025, 0, 15, 12);

export const printableText = (maxLength: number): fc.Arbitrary<string> =>
  fc
    .oneof(fc.string({ minLength: 1, maxLength }), fc.string({ minLength: 1, maxLength, unit: 'grapheme' }))
    .filter((text) => isPrintableText(text, maxLength));

export const digitText = (min: number, max: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

/** Any CDR the decoder should accept at `ARBITRARY_NOW_MS`. */
export const validCdr: fc.Arbitrary<Cdr> = fc
  .record(
    {
      callId: printableText(64),
      caller: fc.bigInt(10n, 999_999_999_999_999n).map(Number),
      callee: fc.bigInt(10n, 999_999_999_999_999n).map(Number),
      startMs: fc.bigInt(BigInt(MIN_START_MS), BigInt(ARBITRARY_NOW_MS + 3_600_000)).map(Number),
      durationSeconds: fc.integer({ min: 0, max: 86_400 }),
      answered: fc.boolean(),
      direction: fc.constantFrom('inbound' as const, 'outbound' as const),
      cause: fc.integer({ min: 0, max: 127 }),
      cell: printableText(64),
      imsi: digitText(5, 15),
      imei: digitText(14, 16),
      switchId: printableText(64),
      trunkIn: printableText(64),
      trunkOut: printableText(64),
    },
    { requiredKeys: ['callId', 'caller', 'callee', 'startMs', 'durationSeconds'] },
  )
  .map((record) => record as Cdr);
