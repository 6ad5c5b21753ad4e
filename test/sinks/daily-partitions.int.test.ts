import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DAY_MS,
  dayNumber,
  dropPartitionsBefore,
  ensureDailyPartitions,
  listDailyPartitions,
  maintainPartitions,
  partitionName,
} from '../../src/sinks/index.js';
import { createMigratedDatabase, silentLogger, type MigratedDatabase } from './support/sink-fixtures.js';

describe('partition names', () => {
  it('names a partition after its UTC day', () => {
    expect(partitionName(dayNumber(Date.UTC(2025, 0, 31, 23, 59, 59, 999)))).toBe('call_records_20250131');
    expect(partitionName(dayNumber(Date.UTC(2025, 1, 1)))).toBe('call_records_20250201');
    expect(partitionName(dayNumber(Date.UTC(1969, 11, 31, 12)))).toBe('call_records_19691231');
  });
});

describe('daily partitions', () => {
  let database: MigratedDatabase;
  const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

  beforeAll(async () => {
    database = await createMigratedDatabase();
  });

  afterAll(async () => {
    await database.close();
  });

  it('creates one partition per day of the range, and nothing the second time', async () => {
    const created = await ensureDailyPartitions(
      database.pool,
      day('2025-03-01') + 5_000,
      day('2025-03-03') + 1,
    );
    expect(created).toEqual(['call_records_20250301', 'call_records_20250302', 'call_records_20250303']);
    expect(await ensureDailyPartitions(database.pool, day('2025-03-01'), day('2025-03-03'))).toEqual([]);
  });

  it('is safe when several callers create the same days at once', async () => {
    const calls = [0, 1, 2, 3].map(() =>
      ensureDailyPartitions(database.pool, day('2025-04-01'), day('2025-04-05')),
    );
    const results = await Promise.all(calls);
    const all = results.flat().sort();
    expect(all).toEqual(
      ['20250401', '20250402', '20250403', '20250404', '20250405'].map((d) => `call_records_${d}`),
    );
  });

  it('routes rows to their day, takes old days on demand, and keeps the generated call_timestamp', async () => {
    await ensureDailyPartitions(database.pool, day('2019-07-14'), day('2019-07-14'));
    await database.pool.query(
      `INSERT INTO call_records (call_id, caller_number, callee_number, start_time, duration_seconds, stream_partition, stream_seq)
       VALUES ('a', '1', '2', '2019-07-14T23:59:59.999Z', 3, 0, 1), ('b', '1', '2', '2025-03-02T00:00:00Z', 3, 0, 2)`,
    );
    const rows = await database.pool.query<{ call_id: string; part: string; same: boolean }>(
      `SELECT call_id, tableoid::regclass::text AS part, call_timestamp = start_time AS same FROM call_records ORDER BY call_id`,
    );
    expect(rows.rows).toEqual([
      { call_id: 'a', part: 'call_records_20190714', same: true },
      { call_id: 'b', part: 'call_records_20250302', same: true },
    ]);
  });

  it('attaches again, with its rows, a day table left detached by an interrupted retention run', async () => {
    await database.pool.query(
      `CREATE TABLE call_records_20250320 (LIKE call_records INCLUDING DEFAULTS INCLUDING GENERATED)`,
    );
    await database.pool.query(
      `INSERT INTO call_records_20250320 (call_id, caller_number, callee_number, start_time, duration_seconds,
         stream_partition, stream_seq) VALUES ('orphan', '1', '2', '2025-03-20T08:00:00Z', 1, 0, 1)`,
    );
    expect(await ensureDailyPartitions(database.pool, day('2025-03-20'), day('2025-03-20'))).toEqual([
      'call_records_20250320',
    ]);
    const found = await database.pool.query(`SELECT call_id FROM call_records WHERE call_id = 'orphan'`);
    expect(found.rows).toEqual([{ call_id: 'orphan' }]);
  });

  it('drops the partitions before a day and keeps the rest (retention)', async () => {
    const dropped = await dropPartitionsBefore(database.pool, day('2025-03-02') + 12 * 3_600_000);
    expect(dropped).toEqual(['call_records_20190714', 'call_records_20250301']);
    const days = await listDailyPartitions(database.pool);
    expect(days[0]).toBe(dayNumber(day('2025-03-02')));
    expect(await dropPartitionsBefore(database.pool, day('2025-03-02'))).toEqual([]);
  });

  it('maintains a window around now: yesterday, today, days ahead; drops beyond retention', async () => {
    const nowMs = day('2025-06-10') + 3_600_000;
    const result = await maintainPartitions(database.pool, {
      nowMs,
      partitionsAheadDays: 2,
      retentionDays: 30,
      logger: silentLogger,
    });
    expect(result.created).toEqual(['09', '10', '11', '12'].map((d) => `call_records_202506${d}`));
    // Everything from March and April is older than 30 days before 2025-06-10.
    expect(result.dropped.length).toBeGreaterThan(0);
    const days = await listDailyPartitions(database.pool);
    expect(days).toEqual([-1, 0, 1, 2].map((offset) => dayNumber(day('2025-06-10')) + offset));
    expect(days.every((d) => d * DAY_MS >= day('2025-05-11'))).toBe(true);
  });
});
