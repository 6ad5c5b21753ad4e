/**
 * Operator commands that work against the configured database: migrations and partition maintenance (the
 * dead-letter queue is in dlq-command.ts). Each prints JSON so runbooks can pipe it to jq.
 */
import type { Writable } from 'node:stream';
import pg from 'pg';
import type { Logger } from 'pino';
import { UsageError } from '../shared/index.js';
import { dropPartitionsBefore, ensureDailyPartitions, migrate } from '../sinks/index.js';

const DAY_MS = 86_400_000;

function flag(args: readonly string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

function dayMs(key: string, raw: string): number {
  const ms = Date.parse(`${raw}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(ms))
    throw new UsageError(`${key} expects a date YYYY-MM-DD, got ${raw}`);
  return ms;
}

export async function runMigrateCommand(databaseUrl: string, out: Writable, logger: Logger): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    await migrate(pool, logger);
    out.write(`${JSON.stringify({ status: 'ok' })}\n`);
  } finally {
    await pool.end();
  }
}

export async function runPartitionsCommand(
  args: readonly string[],
  databaseUrl: string,
  out: Writable,
): Promise<void> {
  const dropBefore = flag(args, '--drop-before');
  const ensureAhead = flag(args, '--ensure-ahead');
  if (dropBefore === undefined && ensureAhead === undefined) {
    throw new UsageError('sentinel partitions needs --drop-before YYYY-MM-DD and/or --ensure-ahead DAYS');
  }
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    const result: Record<string, unknown> = {};
    if (ensureAhead !== undefined) {
      const days = Number(ensureAhead);
      if (!Number.isInteger(days) || days < 0 || days > 366)
        throw new UsageError('--ensure-ahead expects 0..366 days');
      const now = Date.now();
      result.ensured = await ensureDailyPartitions(pool, now - DAY_MS, now + days * DAY_MS);
    }
    if (dropBefore !== undefined)
      result.dropped = await dropPartitionsBefore(pool, dayMs('--drop-before', dropBefore));
    out.write(`${JSON.stringify(result)}\n`);
  } finally {
    await pool.end();
  }
}
