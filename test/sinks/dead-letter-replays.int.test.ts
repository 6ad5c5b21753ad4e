/**
 * Replayed dead letters are stored at most once, whenever and however often they arrive: the sink claims each
 * in `dead_letter_replays` inside the COPY transaction. And the feed normaliser's dead letters are stored once
 * per feed message however often it is redelivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PostgresBatchWriter,
  insertFeedDeadLetters,
  markDeadLettersReplayed,
  selectDeadLetters,
  type Batch,
  type CallRecordRow,
} from '../../src/sinks/index.js';
import {
  countRows,
  createMigratedDatabase,
  recordRow,
  silentLogger,
  type MigratedDatabase,
} from './support/sink-fixtures.js';

function batchOf(records: CallRecordRow[]): Batch {
  return { records, alerts: [], deadLetters: [], offsets: new Map() };
}

describe('dead-letter replays in the sink', () => {
  let database: MigratedDatabase;

  beforeAll(async () => {
    database = await createMigratedDatabase();
  });

  afterAll(async () => {
    await database.close();
  });

  it('writes a replayed record once, across batches, sequences and writers', async () => {
    const first = new PostgresBatchWriter({
      connectionString: database.db.url,
      consumer: 'replay-a',
      logger: silentLogger,
    });
    const second = new PostgresBatchWriter({
      connectionString: database.db.url,
      consumer: 'replay-b',
      logger: silentLogger,
    });
    try {
      const replay = (seq: number, partition = 0): CallRecordRow =>
        recordRow(partition, seq, { callId: 'fs-call-1', replayOf: 41 });
      const one = await first.write(batchOf([recordRow(0, 1), replay(2), replay(3), recordRow(0, 4)]));
      expect(one).toMatchObject({ recordsWritten: 3, replaysDuplicate: 1 });
      // Much later (new stream sequence, another partition's consumer, nothing in any dedup window).
      const two = await second.write(
        batchOf([replay(90, 1), recordRow(1, 91, { replayOf: 42, callId: 'fs-call-2' })]),
      );
      expect(two).toMatchObject({ recordsWritten: 1, replaysDuplicate: 1 });
      const stored = await database.pool.query<{ call_id: string; n: string }>(
        `SELECT call_id, count(*) AS n FROM call_records WHERE call_id LIKE 'fs-call-%' GROUP BY call_id ORDER BY 1`,
      );
      expect(stored.rows).toEqual([
        { call_id: 'fs-call-1', n: '1' },
        { call_id: 'fs-call-2', n: '1' },
      ]);
      const ledger = await database.pool.query<{ dead_letter_id: string; stream_seq: string }>(
        'SELECT dead_letter_id, stream_seq FROM dead_letter_replays ORDER BY 1',
      );
      expect(ledger.rows).toEqual([
        { dead_letter_id: '41', stream_seq: '2' },
        { dead_letter_id: '42', stream_seq: '91' },
      ]);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('stores a feed dead letter once per feed message, then lists, filters and marks it', async () => {
    const letter = {
      reason: 'invalid_start',
      field: 'start',
      message: 'start "29.05.2024" does not match the format iso',
      subject: 'cdr.feed.mediation',
      streamSeq: 7,
      profile: 'mediation',
      sourceKey: 'CDR_FEED:7:1717001990000000000',
      raw: Buffer.from('{"setup":"29.05.2024"}'),
    };
    expect(await insertFeedDeadLetters(database.pool, [letter])).toBe(1);
    expect(
      await insertFeedDeadLetters(database.pool, [
        letter,
        { ...letter, streamSeq: 8, sourceKey: 'CDR_FEED:8:1' },
      ]),
    ).toBe(1);
    expect(await countRows(database.pool, 'dead_letters')).toBe(2);

    const pending = await selectDeadLetters(database.pool, { profile: 'mediation', limit: 10 });
    expect(pending.map((row) => row.raw.toString())).toEqual([letter.raw.toString(), letter.raw.toString()]);
    expect(pending[0]).toMatchObject({
      reason: 'invalid_start',
      field: 'start',
      profile: 'mediation',
      replayCount: 0,
    });

    await markDeadLettersReplayed(database.pool, [pending[0]!.id], 'mediation');
    expect(await selectDeadLetters(database.pool, { profile: 'mediation', limit: 10 })).toHaveLength(1);
    const all = await selectDeadLetters(database.pool, {
      profile: 'mediation',
      includeReplayed: true,
      limit: 10,
    });
    expect(all[0]).toMatchObject({ replayCount: 1, replayedProfile: 'mediation' });
    expect(all[0]?.replayedAt).toBeInstanceOf(Date);
    expect(await selectDeadLetters(database.pool, { reason: 'bad_duration', limit: 10 })).toEqual([]);
    expect(await selectDeadLetters(database.pool, { sinceMs: Date.now() + 60_000, limit: 10 })).toEqual([]);
  });
});
