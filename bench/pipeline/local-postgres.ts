/**
 * The local Postgres server for benchmarks that, like the reference ceiling, use the machine's own server
 * rather than an embedded one: fresh databases (dropped first) and the postmaster's pid for CPU accounting.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { DAY_MS, ensureDailyPartitions, migrate } from '../../src/sinks/index.js';
import { parentPid } from './process-usage.js';

export const LOCAL_POSTGRES_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Creates `name` afresh; with `migrated`, runs the engine's migrations and day partitions around now. */
export async function freshLocalDatabase(
  adminUrl: string,
  name: string,
  migrated: boolean,
  logger: Logger,
): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name))
    throw new RangeError(`database name ${name} is not a plain identifier`);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  if (migrated) {
    const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    try {
      await migrate(pool, logger);
      await ensureDailyPartitions(pool, Date.now() - 2 * DAY_MS, Date.now() + 3 * DAY_MS);
    } finally {
      await pool.end();
    }
  }
  return url.toString();
}

/** Drops the databases whose names start with `prefix` (a benchmark's leftovers). */
export async function dropLocalDatabases(adminUrl: string, prefix: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [prefix],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** The postmaster serving `url` (the parent of this connection's backend). */
export async function postmasterPidOf(url: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return parentPid(rows[0]!.pid);
  } finally {
    await client.end();
  }
}
