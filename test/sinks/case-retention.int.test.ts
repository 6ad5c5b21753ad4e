/**
 * Retention of cases and dead letters: closed cases last changed before the cutoff go with all their events,
 * open cases and recent ones stay whatever their age; old dead letters go, and so do the replay claims of dead
 * letters that are gone. Deletes run in slices until a slice comes back short.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCaseRetention, PostgresBatchWriter } from '../../src/sinks/index.js';
import { caseEvents, SIMBOX_LIFE } from '../support/case-events.js';
import {
  BASE_MS,
  countRows,
  createMigratedDatabase,
  silentLogger,
  type MigratedDatabase,
} from './support/sink-fixtures.js';

const DAY_MS = 86_400_000;
const NOW_MS = Date.UTC(2026, 11, 6, 12);

describe('case and dead-letter retention', () => {
  let database: MigratedDatabase;

  beforeAll(async () => {
    database = await createMigratedDatabase();
  });

  afterAll(async () => {
    await database.close();
  });

  it('deletes aged closed cases with their events and aged dead letters, keeps the rest', async () => {
    const writer = new PostgresBatchWriter({
      connectionString: database.db.url,
      consumer: 'retention',
      logger: silentLogger,
    });
    const closedLife = SIMBOX_LIFE.slice(0, 4); // opened, escalated, updated, closed
    const oldClosed = [0, 1, 2].map((k) => caseEvents(`234803000000${k}`, BASE_MS, closedLife));
    const recentClosed = caseEvents('2348030000010', BASE_MS, closedLife);
    const oldOpen = caseEvents('2348030000020', BASE_MS, SIMBOX_LIFE.slice(0, 2));
    const all = [...oldClosed.flat(), ...recentClosed, ...oldOpen];
    await writer.write({
      records: [],
      alerts: [],
      deadLetters: [],
      offsets: new Map(),
      caseEvents: all,
      caseEventPartitions: all.map(() => 1),
    });
    await writer.close();
    const { pool } = database;
    const at = (daysAgo: number): Date => new Date(NOW_MS - daysAgo * DAY_MS);
    await pool.query('UPDATE cases SET updated_at = $1', [at(200)]);
    await pool.query('UPDATE cases SET updated_at = $1 WHERE suspect_number = $2', [at(10), '2348030000010']);

    const letters = await pool.query<{ id: string }>(
      `INSERT INTO dead_letters (received_at, reason, raw)
       SELECT $1::timestamptz - make_interval(days => d), 'invalid_json', '\\x7b'::bytea
       FROM unnest(ARRAY[40, 35, 31, 29, 1]) AS d ORDER BY d DESC RETURNING id`,
      [at(0)],
    );
    const ids = letters.rows.map((row) => Number(row.id));
    // Claims of a dead letter that goes (old), of one that stays, and a recent claim of one that went already.
    await pool.query(
      `INSERT INTO dead_letter_replays (dead_letter_id, call_id, stream_partition, stream_seq, stored_at)
       VALUES ($1, 'a', 0, 1, $4), ($2, 'b', 0, 2, $4), ($3, 'c', 0, 3, $5)`,
      [ids[0], ids[4], 999_999, at(40), at(2)],
    );

    const result = await applyCaseRetention(pool, {
      nowMs: NOW_MS,
      caseRetentionDays: 180,
      deadLetterRetentionDays: 30,
      sliceRows: 2,
      logger: silentLogger,
    });
    expect(result).toEqual({ cases: 3, caseEvents: 12, deadLetters: 3, replayClaims: 1 });
    const left = await pool.query<{ suspect_number: string; status: string }>(
      'SELECT suspect_number, status FROM cases ORDER BY suspect_number',
    );
    expect(left.rows).toEqual([
      { suspect_number: '2348030000010', status: 'closed' },
      { suspect_number: '2348030000020', status: 'open' },
    ]);
    expect(await countRows(pool, 'case_events')).toBe(recentClosed.length + oldOpen.length);
    expect(await countRows(pool, 'dead_letters')).toBe(2);
    const claims = await pool.query<{ call_id: string }>(
      'SELECT call_id FROM dead_letter_replays ORDER BY call_id',
    );
    expect(claims.rows.map((row) => row.call_id)).toEqual(['b', 'c']);

    // Nothing more to do the second time.
    expect(
      await applyCaseRetention(pool, {
        nowMs: NOW_MS,
        caseRetentionDays: 180,
        deadLetterRetentionDays: 30,
        logger: silentLogger,
      }),
    ).toEqual({ cases: 0, caseEvents: 0, deadLetters: 0, replayClaims: 0 });
  });
});
