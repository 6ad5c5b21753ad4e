import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CALL_RECORD_COPY_COLUMNS,
  copyByteaField,
  copyTextField,
  encodeCallRecord,
  encodeChunks,
  isoTimestamp,
} from '../../src/sinks/copy-text.js';
import { recordRow } from './support/sink-fixtures.js';

/** The obviously-correct reading of one COPY text field (only the escapes the encoder may produce). */
function decodeField(field: string): string | null {
  if (field === '\\N') return null;
  const escapes: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r' };
  let out = '';
  for (let i = 0; i < field.length; i += 1) {
    const char = field[i]!;
    if (char !== '\\') {
      out += char;
      continue;
    }
    const next = field[(i += 1)];
    const replacement = next === undefined ? undefined : escapes[next];
    if (replacement === undefined)
      throw new Error(`unexpected escape \\${next ?? ''} in ${JSON.stringify(field)}`);
    out += replacement;
  }
  return out;
}

const awkward = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('\\', '\t', '\n', '\r', '\u0000', 'N', '.', 'a', 'é', '📞') }),
);

describe('COPY text encoding', () => {
  it('escapes exactly backslash, tab, newline and CR, and replaces NUL', () => {
    expect(copyTextField('plain 123')).toBe('plain 123');
    expect(copyTextField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyTextField('\\N')).toBe('\\\\N');
    expect(copyTextField('nul\u0000here')).toBe('nul\uFFFDhere');
  });

  it('round-trips any string through the COPY grammar (NUL aside), never leaving a raw separator', () => {
    fc.assert(
      fc.property(awkward, (value) => {
        const encoded = copyTextField(value);
        expect(encoded).not.toMatch(/[\t\n\r]/);
        expect(decodeField(encoded)).toBe(value.replaceAll('\u0000', '\uFFFD'));
      }),
      { numRuns: 2_000 },
    );
  });

  it('formats timestamps exactly like Date#toISOString, in any order', () => {
    const instant = fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(instant, fc.integer({ min: 1_700_000_000_000, max: 1_700_000_003_000 }))),
        (times) => {
          for (const ms of times) expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
        },
      ),
    );
    // Backlog order (rows seconds apart across midnight), the four-digit-year edges and fractional times.
    const edges = [-62_167_219_200_001, -62_167_219_200_000, -1, 0, 253_402_300_799_999, 253_402_300_800_000];
    for (let ms = Date.UTC(2026, 11, 5, 23, 59, 50); ms < Date.UTC(2026, 11, 6, 0, 0, 10); ms += 1_337)
      edges.push(ms, ms + 0.75, -ms - 0.25);
    for (const ms of edges) expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
  });

  it('writes one tab-separated line per record, \\N for absent fields', () => {
    const line = encodeCallRecord(recordRow(3, 42, { answered: true, cause: 16, cell: 'LAG\t1' }));
    expect(line.endsWith('\n')).toBe(true);
    const fields = line.slice(0, -1).split('\t').map(decodeField);
    expect(fields).toHaveLength(CALL_RECORD_COPY_COLUMNS.length);
    const byColumn = Object.fromEntries(CALL_RECORD_COPY_COLUMNS.map((column, i) => [column, fields[i]]));
    expect(byColumn).toMatchObject({
      call_id: 'call-3-42',
      start_time: '2025-03-01T00:00:42.000Z',
      answered: 't',
      call_direction: null,
      termination_cause: '16',
      location_code: 'LAG\t1',
      imsi: null,
      stream_partition: '3',
      stream_seq: '42',
      late: 'f',
    });
  });

  it('writes bytea as escaped hex', () => {
    expect(copyByteaField(Uint8Array.from([0, 15, 255]))).toBe('\\\\x000fff');
    expect(copyByteaField(new Uint8Array(0))).toBe('\\\\x');
  });

  it('splits rows into chunks of about the requested size without losing or splitting any row', () => {
    const rows = Array.from({ length: 1_000 }, (_v, i) => recordRow(0, i + 1));
    const chunks = [...encodeChunks(rows, encodeCallRecord, 4_096)];
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.at(-1)).toBe(0x0a);
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text).toBe(rows.map(encodeCallRecord).join(''));
  });
});
