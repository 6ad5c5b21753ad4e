/**
 * Versioned schema migrations, applied at start-up. Every process runs `migrate` when it starts; a session
 * advisory lock makes them take turns, so the first applies what is pending and the others find nothing to do.
 * Each version runs in its own transaction together with its `schema_migrations` row: it is applied entirely
 * or not at all.
 */
import type { Logger } from 'pino';
import type pg from 'pg';
import { withConnection, type Database } from './database.js';
import { MIGRATIONS, type Migration } from './migrations/migration-list.js';
import { MigrationError } from './sink-errors.js';

const MIGRATION_LOCK_KEY = 5_362_140_001;

export interface MigrateOptions {
  /** The list to apply. @default MIGRATIONS (the project's schema) */
  migrations?: readonly Migration[];
}

export interface MigrateResult {
  /** Versions this call applied, ascending; empty when the schema was already current. */
  applied: number[];
  /** Highest version now in place (0 for an empty list). */
  currentVersion: number;
}

function checkOrder(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const migration of migrations) {
    if (!Number.isInteger(migration.version) || migration.version <= previous) {
      throw new RangeError(
        `migration versions must be positive integers in ascending order (at ${migration.version})`,
      );
    }
    previous = migration.version;
  }
}

async function appliedVersions(client: pg.ClientBase): Promise<Set<number>> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version    integer     PRIMARY KEY,
       name       text        NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
  const result = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
  return new Set(result.rows.map((row) => row.version));
}

async function applyOne(client: pg.ClientBase, migration: Migration): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(migration.sql);
    await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
      migration.version,
      migration.name,
    ]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new MigrationError(migration.version, migration.name, { cause: error });
  }
}

/** Applies pending migrations under the migration lock. Idempotent; safe with many processes at once. */
export async function migrate(
  db: Database,
  logger: Logger,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const migrations = options.migrations ?? MIGRATIONS;
  checkOrder(migrations);
  return await withConnection(db, async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const done = await appliedVersions(client);
      const applied: number[] = [];
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        const startedMs = Date.now();
        await applyOne(client, migration);
        applied.push(migration.version);
        logger.info(
          { version: migration.version, name: migration.name, durationMs: Date.now() - startedMs },
          'schema migration applied',
        );
      }
      const currentVersion = Math.max(0, ...done, ...applied);
      return { applied, currentVersion };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  });
}
