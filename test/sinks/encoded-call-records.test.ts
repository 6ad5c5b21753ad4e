/**
 * EncodedCallRecords: what it hands to COPY must be byte for byte what encoding the kept rows one by one gives,
 * whatever the chunking, the floors and the fenced partitions; rows it must not take are refused.
 */
import { describe, expect, it } from 'vitest';
import type { CallRecordRow } from '../../src/sinks/index.js';
import { EncodedCallRecords } from '../../src/sinks/encoded-call-records.js';
import { encodeCallRecord } from '../../src/sinks/copy-text.js';
import { BASE_MS, recordRow } from './support/sink-fixtures.js';

const DAY_MS = 86_400_000;

function filled(rows: readonly CallRecordRow[]): EncodedCallRecords {
  const encoded = new EncodedCallRecords();
  for (const row of rows) expect(encoded.add(row)).toBe(true);
  return encoded;
}

const text = (chunks: readonly Buffer[]): string => Buffer.concat(chunks).toString('utf8');
const expectedText = (rows: readonly CallRecordRow[]): string => rows.map(encodeCallRecord).join('');

describe('EncodedCallRecords', () => {
  it('gives back exactly the encoded rows across several 1 MiB chunks, multi-byte text included', () => {
    const rows = Array.from({ length: 12_000 }, (_v, i) =>
      recordRow(i % 5, i + 1, {
        callId: `call-${i}-${'x'.repeat(i % 40)}`,
        cell: i % 3 === 0 ? 'Łódź\tcentre 📞' : 'LAG-0001',
        switchId: i % 7 === 0 ? 'back\\slash\nline' : 'MSC-LAG-01',
      }),
    );
    const encoded = filled(rows);
    expect(encoded.rows).toBe(12_000);
    const selected = encoded.select(new Map(), new Set());
    expect(selected.chunks.length).toBeGreaterThan(1);
    expect(selected).toMatchObject({ rows: 12_000, skipped: 0 });
    expect(text(selected.chunks)).toBe(expectedText(rows));
  });

  it('leaves out rows at or below the committed floor and repeats within the batch, like the row path', () => {
    const seqs = [1, 2, 3, 2, 3, 4, 10, 11];
    const rows = seqs.map((seq) => recordRow(3, seq, { callId: `r-${seq}` }));
    const other = [recordRow(4, 1), recordRow(4, 2)];
    const encoded = filled([...rows, ...other]);
    const selected = encoded.select(new Map([[3, 2]]), new Set());
    const kept = [3, 4, 10, 11].map((seq) => recordRow(3, seq, { callId: `r-${seq}` }));
    expect(selected).toMatchObject({ rows: 6, skipped: 4 });
    expect(text(selected.chunks)).toBe(expectedText([...kept, ...other]));
  });

  it('leaves out every row of a fenced partition', () => {
    const rows = Array.from({ length: 9_000 }, (_v, i) => recordRow(i % 3, i + 1));
    const selected = filled(rows).select(new Map(), new Set([1]));
    const kept = rows.filter((row) => row.partition !== 1);
    expect(selected).toMatchObject({ rows: kept.length, skipped: 3_000 });
    expect(text(selected.chunks)).toBe(expectedText(kept));
  });

  it('refuses rows Postgres would refuse and replayed dead letters (they keep the row-object path)', () => {
    const encoded = new EncodedCallRecords();
    expect(encoded.add(recordRow(0, 1, { startMs: Number.NaN }))).toBe(false);
    expect(encoded.add(recordRow(0, 2, { durationSeconds: 2 ** 40 }))).toBe(false);
    expect(encoded.add(recordRow(0, 3, { streamSeq: 0 }))).toBe(false);
    expect(encoded.add(recordRow(0, 4, { replayOf: 17 }))).toBe(false);
    expect(encoded.rows).toBe(0);
    expect(encoded.select(new Map(), new Set())).toEqual({ chunks: [], rows: 0, skipped: 0 });
  });

  it('reports the day of every row and every position', () => {
    const rows = [
      recordRow(1, 5, { startMs: BASE_MS }),
      recordRow(2, 9, { startMs: BASE_MS + DAY_MS + 1 }),
      recordRow(1, 6, { startMs: BASE_MS - 1 }),
    ];
    const encoded = filled(rows);
    expect([...encoded.days].sort()).toEqual(
      [BASE_MS / DAY_MS - 1, BASE_MS / DAY_MS, BASE_MS / DAY_MS + 1].sort(),
    );
    const positions: [number, number][] = [];
    encoded.forEachPosition((partition, seq) => positions.push([partition, seq]));
    expect(positions).toEqual([
      [1, 5],
      [2, 9],
      [1, 6],
    ]);
  });
});
