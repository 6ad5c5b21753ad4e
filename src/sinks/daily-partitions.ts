/**
 * One `call_records` partition per UTC day, named `call_records_YYYYMMDD`.
 *
 * Lock levels decide how these interact with ingest (checked with pg_locks on PG 15):
 * - `CREATE TABLE ... PARTITION OF` takes ACCESS EXCLUSIVE on the parent: every COPY and every analyst query
 *   queues behind it. So a day is created as a plain table `(LIKE call_records ...)` and then attached;
 *   `ATTACH PARTITION` takes only SHARE UPDATE EXCLUSIVE on the parent, which COPY and SELECT do not conflict
 *   with. The new table is empty, so attaching needs no validation scan.
 * - `DROP TABLE` of a partition takes ACCESS EXCLUSIVE on the parent; `DETACH PARTITION ... CONCURRENTLY`
 *   (PG 14+) does not, and dropping a detached table touches the parent not at all.
 * Creators and droppers serialise on one advisory lock, so several workers or processes may call these at once.
 */
import type { Logger } from 'pino';
import type pg from 'pg';
import { inTransaction, withConnection, type Database } from './database.js';

export const DAY_MS = 86_400_000;
const PARTITION_LOCK_KEY = 5_362_140_002;
const PARTITION_NAME = /^call_records_(\d{4})(\d{2})(\d{2})$/;
const MAX_DAYS_PER_CALL = 10_000;

export interface PartitionLockOptions {
  /** How long to wait for the partition lock or a table lock before failing (the caller retries). @default 10_000 */
  lockTimeoutMs?: number;
}

/** UTC day number (days since 1970-01-01) of an epoch-millisecond instant. */
export function dayNumber(epochMs: number): number {
  return Math.floor(epochMs / DAY_MS);
}

/** `call_records_YYYYMMDD` for a UTC day number. */
export function partitionName(day: number): string {
  const iso = new Date(day * DAY_MS).toISOString();
  return `call_records_${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
}

/** The UTC day number a partition name stands for, or undefined when the name is not one of ours. */
export function partitionDay(name: string): number | undefined {
  const match = PARTITION_NAME.exec(name);
  if (!match) return undefined;
  return dayNumber(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

interface PartitionTable {
  name: string;
  day: number;
  attached: boolean;
  detachPending: boolean;
}

async function listPartitionTables(client: pg.ClientBase): Promise<PartitionTable[]> {
  const result = await client.query<{ name: string; attached: boolean; detach_pending: boolean }>(
    `SELECT c.relname AS name, i.inhrelid IS NOT NULL AS attached, coalesce(i.inhdetachpending, false) AS detach_pending
       FROM pg_class c
       LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = 'call_records'::regclass
      WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace
        AND c.relname ~ '^call_records_[0-9]{8}$'`,
  );
  const tables: PartitionTable[] = [];
  for (const row of result.rows) {
    const day = partitionDay(row.name);
    if (day !== undefined) {
      tables.push({ name: row.name, day, attached: row.attached, detachPending: row.detach_pending });
    }
  }
  return tables.sort((a, b) => a.day - b.day);
}

/** Day numbers of the attached daily partitions, ascending. */
export async function listDailyPartitions(db: Database): Promise<number[]> {
  return await withConnection(db, async (client) =>
    (await listPartitionTables(client)).filter((table) => table.attached).map((table) => table.day),
  );
}

async function createDay(client: pg.ClientBase, day: number): Promise<void> {
  const name = partitionName(day);
  const from = new Date(day * DAY_MS).toISOString();
  const to = new Date((day + 1) * DAY_MS).toISOString();
  // IF NOT EXISTS: a table left unattached by an interrupted retention run is attached again (data kept).
  await client.query(
    `CREATE TABLE IF NOT EXISTS "${name}" (LIKE call_records INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING STORAGE)`,
  );
  await client.query(
    `ALTER TABLE call_records ATTACH PARTITION "${name}" FOR VALUES FROM ('${from}') TO ('${to}')`,
  );
}

/**
 * Makes sure a partition exists for each UTC day number given; returns the names it created. Idempotent and
 * safe to run concurrently. Checks without locking first, so the common case (all exist) costs one catalog read.
 */
export async function ensurePartitionDays(
  db: Database,
  days: Iterable<number>,
  options: PartitionLockOptions = {},
): Promise<string[]> {
  const wanted = [...new Set(days)].sort((a, b) => a - b);
  if (wanted.length === 0) return [];
  return await withConnection(db, async (client) => {
    const existing = new Set((await listPartitionTables(client)).filter((t) => t.attached).map((t) => t.day));
    if (wanted.every((day) => existing.has(day))) return [];
    return await inTransaction(client, async () => {
      await client.query(
        `SET LOCAL lock_timeout = ${Math.max(1, Math.trunc(options.lockTimeoutMs ?? 10_000))}`,
      );
      await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK_KEY]);
      // Re-read under the lock: another process may have created some of them meanwhile.
      const attached = new Set(
        (await listPartitionTables(client)).filter((t) => t.attached).map((t) => t.day),
      );
      const created: string[] = [];
      for (const day of wanted) {
        if (attached.has(day)) continue;
        await createDay(client, day);
        created.push(partitionName(day));
      }
      return created;
    });
  });
}

/** Makes sure partitions exist for every UTC day from `fromMs` to `toMs` inclusive; returns the names created. */
export async function ensureDailyPartitions(
  db: Database,
  fromMs: number,
  toMs: number,
  options: PartitionLockOptions = {},
): Promise<string[]> {
  const first = dayNumber(fromMs);
  const last = dayNumber(toMs);
  if (!Number.isFinite(first) || !Number.isFinite(last))
    throw new RangeError('fromMs and toMs must be finite');
  if (last - first >= MAX_DAYS_PER_CALL) throw new RangeError(`at most ${MAX_DAYS_PER_CALL} days per call`);
  const days: number[] = [];
  for (let day = first; day <= last; day += 1) days.push(day);
  return await ensurePartitionDays(db, days, options);
}

/**
 * Drops every daily partition of a day before the UTC day containing `dayMs` (retention); returns the names
 * dropped. Detaches CONCURRENTLY so ingest never waits, which cannot run inside a transaction: pass a pool
 * or a client that is not in one.
 */
export async function dropPartitionsBefore(
  db: Database,
  dayMs: number,
  options: PartitionLockOptions = {},
): Promise<string[]> {
  const cutoff = dayNumber(dayMs);
  return await withConnection(db, async (client) => {
    await client.query(`SET lock_timeout = ${Math.max(1, Math.trunc(options.lockTimeoutMs ?? 10_000))}`);
    await client.query('SELECT pg_advisory_lock($1)', [PARTITION_LOCK_KEY]);
    try {
      const dropped: string[] = [];
      for (const table of await listPartitionTables(client)) {
        if (table.day >= cutoff) continue;
        if (table.detachPending) {
          await client.query(`ALTER TABLE call_records DETACH PARTITION "${table.name}" FINALIZE`);
        } else if (table.attached) {
          await client.query(`ALTER TABLE call_records DETACH PARTITION "${table.name}" CONCURRENTLY`);
        }
        await client.query(`DROP TABLE IF EXISTS "${table.name}"`);
        dropped.push(table.name);
      }
      return dropped;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PARTITION_LOCK_KEY]);
      await client.query('RESET lock_timeout');
    }
  });
}

export interface MaintainPartitionsOptions extends PartitionLockOptions {
  nowMs: number;
  /** Days after today that get a partition now. @default 3 */
  partitionsAheadDays?: number;
  /** Full days kept before today; older partitions are dropped. Undefined keeps everything. */
  retentionDays?: number;
  logger: Logger;
}

/**
 * The periodic job (start-up, then e.g. hourly): partitions from yesterday to `partitionsAheadDays` ahead,
 * and retention. Yesterday is included so records just after midnight that belong before it find a home.
 */
export async function maintainPartitions(
  db: Database,
  options: MaintainPartitionsOptions,
): Promise<{ created: string[]; dropped: string[] }> {
  const ahead = options.partitionsAheadDays ?? 3;
  const today = dayNumber(options.nowMs);
  const created = await ensureDailyPartitions(db, (today - 1) * DAY_MS, (today + ahead) * DAY_MS, options);
  const dropped =
    options.retentionDays === undefined
      ? []
      : await dropPartitionsBefore(db, (today - options.retentionDays) * DAY_MS, options);
  if (created.length > 0 || dropped.length > 0) {
    options.logger.info({ created, dropped }, 'call_records partitions maintained');
  }
  return { created, dropped };
}
