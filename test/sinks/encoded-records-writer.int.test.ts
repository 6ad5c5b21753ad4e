/**
 * Call records encoded on arrival (SinkBuffer `encodeOnArrival`, the shard workers' setting) through the real
 * PostgresBatchWriter: stored exactly as the row-object path stores them, never twice, never for a fenced
 * partition, and rows Postgres would refuse still become dead letters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PostgresBatchWriter,
  SINK_REJECTED_REASON,
  SinkBuffer,
  type Batch,
  type BatchStats,
  type CallRecordRow,
} from '../../src/sinks/index.js';
import { EncodedCallRecords } from '../../src/sinks/encoded-call-records.js';
import {
  BASE_MS,
  committedOffsets,
  createMigratedDatabase,
  recordRow,
  silentLogger,
  type MigratedDatabase,
} from './support/sink-fixtures.js';

const AWKWARD = ['tab\there', 'back\\slash', '\\N', '\\.', 'new\nline', 'crlf\r\n', '', 'emoji 📞☎️', '中文'];

function encodedBatch(rows: readonly CallRecordRow[], extra: Partial<Batch> = {}): Batch {
  const encodedRecords = new EncodedCallRecords();
  for (const row of rows) if (!encodedRecords.add(row)) throw new Error(`row ${row.streamSeq} refused`);
  return { records: [], encodedRecords, alerts: [], deadLetters: [], offsets: new Map(), ...extra };
}

/** Every stored column as text, in stream order, for comparing the two paths. */
async function storedText(database: MigratedDatabase, likeCallId: string): Promise<string[]> {
  const result = await database.pool.query<{ row: string }>(
    `SELECT concat_ws('|', call_id, caller_number, callee_number, (extract(epoch from start_time) * 1000)::bigint,
            duration_seconds, answered, call_direction, termination_cause, location_code, imsi, imei, switch_id,
            trunk_in, trunk_out, stream_partition, stream_seq, late) AS row
       FROM call_records WHERE call_id LIKE $1 ORDER BY stream_partition, stream_seq`,
    [likeCallId],
  );
  return result.rows.map((r) => r.row);
}

describe('encoded call records through PostgresBatchWriter', () => {
  let database: MigratedDatabase;
  const writers: PostgresBatchWriter[] = [];
  const newWriter = (consumer: string): PostgresBatchWriter => {
    const writer = new PostgresBatchWriter({
      connectionString: database.db.url,
      consumer,
      logger: silentLogger,
    });
    writers.push(writer);
    return writer;
  };

  beforeAll(async () => {
    database = await createMigratedDatabase();
  });

  afterAll(async () => {
    await Promise.all(writers.map((writer) => writer.close()));
    await database.close();
  });

  it('stores the same rows as the row-object path, awkward strings and new day partitions included', async () => {
    const rows = (prefix: string): CallRecordRow[] =>
      Array.from({ length: 20_000 }, (_v, i) => {
        const pick = (k: number): string => AWKWARD[(i + k) % AWKWARD.length]!;
        return recordRow(i % 4, i + 1, {
          callId: `${prefix}-${pick(0)}-${i}`,
          callee: pick(1),
          startMs: i % 1_000 === 0 ? Date.UTC(2003, 1, 1) + i : BASE_MS + i * 4_001,
          ...(i % 3 === 0
            ? {}
            : { answered: i % 2 === 0, direction: pick(2), cause: i % 100, cell: pick(3) }),
          ...(i % 5 === 0 ? {} : { imsi: pick(4), switchId: pick(5), trunkIn: pick(6), trunkOut: pick(7) }),
          late: i % 13 === 0,
        });
      });
    const viaObjects = await newWriter('objects').write({
      records: rows('obj'),
      alerts: [],
      deadLetters: [],
      offsets: new Map(),
    });
    const viaEncoded = await newWriter('encoded').write(encodedBatch(rows('enc')));
    expect(viaEncoded).toMatchObject({ recordsWritten: 20_000, recordsSkipped: 0 });
    expect(viaObjects.recordsWritten).toBe(20_000);
    const objects = await storedText(database, 'obj-%');
    const encoded = await storedText(database, 'enc-%');
    expect(encoded.length).toBe(20_000);
    expect(encoded.map((row) => row.replace(/^enc-/, ''))).toEqual(
      objects.map((row) => row.replace(/^obj-/, '')),
    );
    expect(await committedOffsets(database.pool, 'encoded')).toEqual(
      await committedOffsets(database.pool, 'objects'),
    );
  });

  it('writes nothing at or below the committed offset, from the same or a new writer', async () => {
    const rows = Array.from({ length: 100 }, (_v, i) => recordRow(7, i + 1, { callId: `floor-${i + 1}` }));
    const first = newWriter('floor');
    expect(await first.write(encodedBatch(rows))).toMatchObject({ recordsWritten: 100, recordsSkipped: 0 });
    expect(await first.write(encodedBatch(rows))).toMatchObject({ recordsWritten: 0, recordsSkipped: 100 });
    const overlap = Array.from({ length: 100 }, (_v, i) =>
      recordRow(7, i + 51, { callId: `floor-${i + 51}` }),
    );
    expect(await newWriter('floor').write(encodedBatch(overlap))).toMatchObject({
      recordsWritten: 50,
      recordsSkipped: 50,
    });
    const ids = await database.pool.query<{ n: string; distinct_ids: string }>(
      `SELECT count(*) AS n, count(DISTINCT call_id) AS distinct_ids FROM call_records WHERE call_id LIKE 'floor-%'`,
    );
    expect(ids.rows[0]).toEqual({ n: '150', distinct_ids: '150' });
  });

  it('leaves out the rows and offset of a partition a newer owner claimed, and writes the others', async () => {
    await database.pool.query(
      `INSERT INTO sink_offsets (consumer, partition, last_seq, epoch) VALUES ('fenced', 2, 0, 5), ('fenced', 3, 0, 1)`,
    );
    const rows = Array.from({ length: 40 }, (_v, i) =>
      recordRow(2 + (i % 2), i + 1, { callId: `fence-${i + 1}` }),
    );
    const stats: BatchStats = await newWriter('fenced').write(
      encodedBatch(rows, {
        epochs: new Map([
          [2, 4],
          [3, 1],
        ]),
      }),
    );
    expect(stats).toMatchObject({ fencedPartitions: [2], recordsWritten: 20 });
    const stored = await database.pool.query<{ stream_partition: number; n: string }>(
      `SELECT stream_partition, count(*) AS n FROM call_records WHERE call_id LIKE 'fence-%' GROUP BY 1`,
    );
    expect(stored.rows).toEqual([{ stream_partition: 3, n: '20' }]);
    expect(await committedOffsets(database.pool, 'fenced')).toEqual(
      new Map([
        [2, 0],
        [3, 40],
      ]),
    );
  });

  it('through SinkBuffer: refused rows become dead letters, the rest are stored once', async () => {
    const committed: ReadonlyMap<number, number>[] = [];
    const buffer = new SinkBuffer({
      writer: newWriter('buffered'),
      batchMaxRows: 50,
      flushIntervalMs: 5,
      maxBufferedRows: 500,
      encodeOnArrival: true,
      logger: silentLogger,
      onCommitted: (offsets) => committed.push(offsets),
    });
    for (let seq = 1; seq <= 120; seq++) {
      const refused = seq % 40 === 0 ? { startMs: Number.NaN } : {};
      buffer.addRecord(recordRow(9, seq, { callId: `buffered-${seq}`, ...refused }));
    }
    await buffer.close();
    const count = await database.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM call_records WHERE call_id LIKE 'buffered-%'`,
    );
    expect(count.rows[0]?.n).toBe('117');
    const letters = await database.pool.query<{ field: string; stream_seq: string }>(
      `SELECT field, stream_seq::text FROM dead_letters WHERE reason = $1 AND stream_partition = 9 ORDER BY dead_letters.stream_seq`,
      [SINK_REJECTED_REASON],
    );
    expect(letters.rows).toEqual(
      ['40', '80', '120'].map((seq) => ({ field: 'start_time', stream_seq: seq })),
    );
    expect((await committedOffsets(database.pool, 'buffered')).get(9)).toBe(120);
    expect(committed.length).toBeGreaterThan(1);
  });
});
