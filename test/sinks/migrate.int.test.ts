import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, MigrationError, migrate, type Migration } from '../../src/sinks/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { silentLogger } from './support/sink-fixtures.js';

describe('migrate', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase('sentinel_migrate');
    pool = new pg.Pool({ connectionString: db.url, max: 6 });
  });

  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('applies every version once when three processes start at the same moment', async () => {
    // Three separate pools stand for three processes, each with its own session and advisory-lock attempt.
    const pools = [0, 1, 2].map(() => new pg.Pool({ connectionString: db.url, max: 1 }));
    try {
      const results = await Promise.all(pools.map((each) => migrate(each, silentLogger)));
      const appliedCounts = results.map((result) => result.applied.length).sort();
      expect(appliedCounts).toEqual([0, 0, MIGRATIONS.length]);
      for (const result of results) expect(result.currentVersion).toBe(MIGRATIONS.at(-1)?.version);
    } finally {
      await Promise.all(pools.map((each) => each.end()));
    }
    const versions = await pool.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(versions.rows.map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('is a no-op when run again', async () => {
    const result = await migrate(pool, silentLogger);
    expect(result.applied).toEqual([]);
  });

  it('creates the tables the engine and the API rely on', async () => {
    const tables = await pool.query<{ relname: string; relkind: string }>(
      `SELECT relname, relkind::text FROM pg_class
        WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') ORDER BY relname`,
    );
    const kinds = new Map(tables.rows.map((row) => [row.relname, row.relkind]));
    expect(kinds.get('call_records')).toBe('p');
    for (const name of [
      'fraud_alerts',
      'dead_letters',
      'dead_letter_replays',
      'sink_offsets',
      'rule_settings',
      'allowlist',
      'schema_migrations',
    ]) {
      expect(kinds.get(name), name).toBe('r');
    }
  });

  it('rolls back a failing version entirely and keeps the earlier ones', async () => {
    const extra: Migration[] = [
      ...MIGRATIONS,
      { version: 900, name: 'test-good', sql: 'CREATE TABLE migrate_probe_good (id int)' },
      {
        version: 901,
        name: 'test-bad',
        sql: 'CREATE TABLE migrate_probe_bad (id int); SELECT no_such_column FROM sink_offsets',
      },
      { version: 902, name: 'test-after', sql: 'CREATE TABLE migrate_probe_after (id int)' },
    ];
    const failure = await migrate(pool, silentLogger, { migrations: extra }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as MigrationError).version).toBe(901);
    expect((failure as MigrationError).cause).toBeInstanceOf(Error);
    const probes = await pool.query<{ name: string | null }>(
      `SELECT to_regclass('migrate_probe_good')::text AS name UNION ALL
       SELECT to_regclass('migrate_probe_bad')::text UNION ALL SELECT to_regclass('migrate_probe_after')::text`,
    );
    expect(probes.rows.map((row) => row.name)).toEqual(['migrate_probe_good', null, null]);
    const versions = await pool.query<{ version: number }>(
      'SELECT version FROM schema_migrations WHERE version >= 900',
    );
    expect(versions.rows.map((row) => row.version)).toEqual([900]);
  });

  it('refuses a list that is not in ascending version order', async () => {
    const unordered: Migration[] = [
      { version: 2, name: 'b', sql: 'SELECT 1' },
      { version: 1, name: 'a', sql: 'SELECT 1' },
    ];
    await expect(migrate(pool, silentLogger, { migrations: unordered })).rejects.toBeInstanceOf(RangeError);
  });
});
