/**
 * Once a commit of a partition is fenced (a newer owner claimed it), the old owner's buffer must keep refusing
 * that partition's rows: the rows that arrived while the fenced batch was in flight must not commit either.
 * If they did, their offset would move past the rows the fenced batch dropped, and the new owner's copies of
 * those rows would then be skipped as already written: rows lost while `sink_offsets` reaches the end of the
 * stream (what the chaos suite's scale-in scenario once saw, 80 rows short).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresBatchWriter, SinkBuffer, type BatchStats } from '../../src/sinks/index.js';
import {
  committedOffsets,
  createMigratedDatabase,
  recordRow,
  silentLogger,
  type MigratedDatabase,
} from './support/sink-fixtures.js';

const CONSUMER = 'fence-stays';
const STREAM = 'CDR_P00@2026-12-06T00:00:00Z';

describe('SinkBuffer: a fenced partition stays fenced', () => {
  let database: MigratedDatabase;
  const writers: PostgresBatchWriter[] = [];

  beforeAll(async () => {
    database = await createMigratedDatabase();
  });

  afterAll(async () => {
    await Promise.all(writers.map((writer) => writer.close()));
    await database.close();
  });

  function owner(name: string, fenced: number[] = []) {
    const writer = new PostgresBatchWriter({
      connectionString: database.db.url,
      consumer: CONSUMER,
      logger: silentLogger,
    });
    writers.push(writer);
    const buffer = new SinkBuffer({
      writer,
      batchMaxRows: 3,
      flushIntervalMs: 3_600_000,
      maxBufferedRows: 30,
      logger: silentLogger,
      onCommitted: (_offsets, stats: BatchStats) => fenced.push(...stats.fencedPartitions),
    });
    const claim = (epoch: number) =>
      writer.claimPartition({ partition: 0, epoch, stream: STREAM, owner: name });
    return { writer, buffer, claim };
  }

  it('refuses the rows that were buffered while the fenced batch was in flight, and the new owner writes all', async () => {
    const fenced: number[] = [];
    const old = owner('old', fenced);
    expect(await old.claim(1)).toMatchObject({ claimed: true, committedSeq: 0 });
    old.buffer.setEpoch(0, 1);
    for (let seq = 1; seq <= 3; seq++) old.buffer.addRecord(recordRow(0, seq));
    await old.buffer.flush();

    const newer = owner('new');
    expect(await newer.claim(2)).toMatchObject({ claimed: true, committedSeq: 3 });
    newer.buffer.setEpoch(0, 2);

    // The old owner has not noticed: a full batch goes in flight (and is fenced), more rows wait behind it.
    for (let seq = 4; seq <= 9; seq++) old.buffer.addRecord(recordRow(0, seq));
    await old.buffer.flush();
    expect(await committedOffsets(database.pool, CONSUMER)).toEqual(new Map([[0, 3]]));
    expect(fenced).toEqual([0, 0]);

    // The new owner writes everything after the committed offset.
    for (let seq = 4; seq <= 9; seq++) newer.buffer.addRecord(recordRow(0, seq));
    await newer.buffer.flush();
    const stored = await database.pool.query<{ stream_seq: string }>(
      'SELECT stream_seq FROM call_records WHERE stream_partition = 0 ORDER BY stream_seq',
    );
    expect(stored.rows.map((row) => Number(row.stream_seq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await committedOffsets(database.pool, CONSUMER)).toEqual(new Map([[0, 9]]));
  });
});
