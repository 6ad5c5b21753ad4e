/**
 * `sentinel migrate` and `sentinel partitions` against the suite's Postgres; each describe has its own database.
 * `sentinel dlq` has its own tests (test/engine/dlq-replay.int.test.ts).
 */
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrateCommand, runPartitionsCommand } from '../../src/cli/admin-commands.js';
import { UsageError } from '../../src/shared/index.js';
import {
  DAY_MS,
  MIGRATIONS,
  dayNumber,
  ensureDailyPartitions,
  listDailyPartitions,
  migrate,
  partitionName,
} from '../../src/sinks/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

const logger = pino({ level: 'silent' });

/** A stdout stand-in that keeps what was written. */
class Output extends Writable {
  text = '';

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }

  /** Every line parsed as JSON. */
  json(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

async function tableNames(pool: pg.Pool): Promise<string[]> {
  const result = await pool.query<{ relname: string }>(
    `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')`,
  );
  return result.rows.map((row) => row.relname);
}

describe('sentinel migrate', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase('sentinel_cli_migrate');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
  });

  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('applies the migrations, prints {"status":"ok"}, and changes nothing when run again', async () => {
    const first = new Output();
    await runMigrateCommand(db.url, first, logger);
    expect(first.text).toBe('{"status":"ok"}\n');
    const applied = await pool.query<{ version: number; applied_at: Date }>(
      'SELECT version, applied_at FROM schema_migrations ORDER BY version',
    );
    expect(applied.rows.map((row) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
    expect(await tableNames(pool)).toEqual(
      expect.arrayContaining(['call_records', 'fraud_alerts', 'dead_letters', 'sink_offsets']),
    );

    const second = new Output();
    await runMigrateCommand(db.url, second, logger);
    expect(second.text).toBe('{"status":"ok"}\n');
    const again = await pool.query<{ version: number; applied_at: Date }>(
      'SELECT version, applied_at FROM schema_migrations ORDER BY version',
    );
    expect(again.rows).toEqual(applied.rows);
  });
});

describe('sentinel partitions', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase('sentinel_cli_partitions');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await migrate(pool, logger);
  });

  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  async function run(args: string[]): Promise<Record<string, unknown>> {
    const out = new Output();
    await runPartitionsCommand(args, db.url, out);
    const [result, ...rest] = out.json();
    expect(rest).toEqual([]);
    return result ?? {};
  }

  it('--ensure-ahead N creates the day partitions from yesterday to N days ahead, once', async () => {
    const today = dayNumber(Date.now());
    const wanted = [-1, 0, 1, 2].map((offset) => today + offset);
    const before = await listDailyPartitions(pool);

    const first = await run(['--ensure-ahead', '2']);
    expect(first).toEqual({
      ensured: wanted.filter((day) => !before.includes(day)).map((day) => partitionName(day)),
    });
    expect(await listDailyPartitions(pool)).toEqual(expect.arrayContaining(wanted));
    expect(await listDailyPartitions(pool)).not.toContain(today + 3);

    expect(await run(['--ensure-ahead', '2'])).toEqual({ ensured: [] });
    expect(await run(['--ensure-ahead', '3'])).toEqual({ ensured: [partitionName(today + 3)] });
  });

  it('--drop-before DATE drops the day partitions older than that day', async () => {
    const firstOld = Date.UTC(2020, 0, 1);
    await ensureDailyPartitions(pool, firstOld, firstOld + 3 * DAY_MS);
    const today = dayNumber(Date.now());

    expect(await run(['--drop-before', '2020-01-03'])).toEqual({
      dropped: ['call_records_20200101', 'call_records_20200102'],
    });
    const left = await listDailyPartitions(pool);
    expect(left).toContain(dayNumber(Date.UTC(2020, 0, 3)));
    expect(left).not.toContain(dayNumber(firstOld));

    const both = await run(['--ensure-ahead', '1', '--drop-before', '2020-01-05']);
    expect(both.dropped).toEqual(['call_records_20200103', 'call_records_20200104']);
    expect(both.ensured).toEqual(expect.any(Array));
    expect(await listDailyPartitions(pool)).toEqual(expect.arrayContaining([today - 1, today, today + 1]));
  });

  it.each([
    ['no flag', []],
    ['--drop-before without a value', ['--drop-before']],
    ['a word for --ensure-ahead', ['--ensure-ahead', 'soon']],
    ['a fraction for --ensure-ahead', ['--ensure-ahead', '1.5']],
    ['a negative --ensure-ahead', ['--ensure-ahead', '-1']],
    ['more than a year ahead', ['--ensure-ahead', '367']],
    ['a date in another format', ['--drop-before', '01/03/2020']],
    ['a month that does not exist', ['--drop-before', '2020-13-01']],
  ])('refuses %s with a UsageError and prints nothing', async (_what, args) => {
    const out = new Output();
    const before = await listDailyPartitions(pool);
    await expect(runPartitionsCommand(args, db.url, out)).rejects.toThrow(UsageError);
    expect(out.text).toBe('');
    expect(await listDailyPartitions(pool)).toEqual(before);
  });
});
