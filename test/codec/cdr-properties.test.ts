import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CDR_REASONS,
  MIN_START_MS,
  decodeCdr,
  encodeCdr,
  formatIsoUtcMs,
  parseIsoTimestampMs,
} from '../../src/codec/index.js';
import { ARBITRARY_NOW_MS, validCdr } from '../support/cdr-arbitraries.js';

const NOW_MS = ARBITRARY_NOW_MS;
const options = { nowMs: NOW_MS };
const utf8 = new TextEncoder();

/** JSON-ish junk for each field, to mutate valid records. */
const junk = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  fc.constantFrom('+234ABC123', '', ' ', '2024-06-01T10:00:00', '1e400', '\u0000', '\ud800'),
);

describe('decodeCdr properties', () => {
  it('round-trips every valid CDR through encodeCdr', () => {
    fc.assert(
      fc.property(validCdr, (cdr) => {
        expect(decodeCdr(encodeCdr(cdr), options)).toEqual({ ok: true, cdr, dropped: [] });
      }),
      { numRuns: 1_000 },
    );
  });

  it('never throws on arbitrary bytes and always gives a known reason', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const result = decodeCdr(bytes, options);
        if (!result.ok) expect(CDR_REASONS).toContain(result.reason);
      }),
      { numRuns: 1_500 },
    );
  });

  it('never throws on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = decodeCdr(utf8.encode(JSON.stringify(value) ?? 'null'), options);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 1_000 },
    );
  });

  it('never throws when fields of a valid record are replaced with junk, and blames a real field', () => {
    const fields = [
      'call_id',
      'caller',
      'callee',
      'start',
      'duration',
      'answered',
      'direction',
      'cause',
      'cell',
      'imsi',
    ];
    fc.assert(
      fc.property(validCdr, fc.dictionary(fc.constantFrom(...fields), junk), (cdr, replacements) => {
        const record = {
          ...(JSON.parse(new TextDecoder().decode(encodeCdr(cdr))) as object),
          ...replacements,
        };
        const result = decodeCdr(utf8.encode(JSON.stringify(record)), { ...options, maxBytes: 1_000_000 });
        if (!result.ok) {
          expect(CDR_REASONS).toContain(result.reason);
          if (result.field !== undefined) expect(fields).toContain(result.field);
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('formats epoch ms exactly like Date.toISOString', () => {
    fc.assert(
      fc.property(fc.bigInt(0n, 253_402_300_799_999n).map(Number), (epochMs) => {
        expect(formatIsoUtcMs(epochMs)).toBe(new Date(epochMs).toISOString());
      }),
      { numRuns: 1_000 },
    );
    expect(formatIsoUtcMs(Date.UTC(2024, 1, 29, 23, 59, 59, 7))).toBe('2024-02-29T23:59:59.007Z');
  });

  it('reads ISO-8601 timestamps exactly like Date.parse for the forms both accept', () => {
    fc.assert(
      fc.property(
        fc.bigInt(BigInt(MIN_START_MS), 4_102_444_800_000n).map(Number),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (epochMs, offsetMinutes) => {
          const local = new Date(epochMs + offsetMinutes * 60_000).toISOString().slice(0, 23);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          expect(parseIsoTimestampMs(local + zone)).toBe(epochMs);
          expect(parseIsoTimestampMs(local + zone)).toBe(Date.parse(local + zone));
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
