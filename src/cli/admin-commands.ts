/**
 * Operator commands that work against the configured database and NATS: migrations, partition maintenance
 * and the dead-letter queue. Each prints JSON so runbooks can pipe it to jq.
 */
import type { Writable } from 'node:stream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import type { Logger } from 'pino';
import { UsageError } from '../shared/index.js';
import { dropPartitionsBefore, ensureDailyPartitions, migrate } from '../sinks/index.js';
import { CdrPublisher, natsServers } from '../stream/index.js';
import { decodeCdr, numberDigits } from '../codec/index.js';

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

export async function runDlqCommand(
  args: readonly string[],
  deps: { databaseUrl: string; natsUrl: string; partitions: number; logger: Logger; out: Writable },
): Promise<void> {
  const [action] = args;
  const reason = flag(args, '--reason');
  const limit = Number(flag(args, '--limit') ?? '100');
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000)
    throw new UsageError('--limit expects 1..1000000');
  const pool = new pg.Pool({ connectionString: deps.databaseUrl, max: 2 });
  try {
    const rows = await pool.query<{
      id: string;
      reason: string;
      field: string | null;
      message: string;
      received_at: Date;
      raw: Buffer;
    }>(
      `SELECT id, reason, field, message, received_at, raw FROM dead_letters
        WHERE ($1::text IS NULL OR reason = $1) ORDER BY id DESC LIMIT $2`,
      [reason ?? null, limit],
    );
    if (action === 'list') {
      for (const row of rows.rows) {
        const { raw, ...rest } = row;
        deps.out.write(`${JSON.stringify({ ...rest, raw_preview: raw.toString('utf8', 0, 200) })}\n`);
      }
      return;
    }
    if (action !== 'replay') throw new UsageError('sentinel dlq expects list or replay');
    // Replay republishes records that now decode (e.g. after a validation fix); the rest stay where they are.
    const nc = await connect({ servers: natsServers(deps.natsUrl), name: 'sentinel-dlq-replay' });
    const publisher = new CdrPublisher(nc, { partitions: deps.partitions, logger: deps.logger });
    let replayed = 0;
    let stillInvalid = 0;
    for (const row of rows.rows) {
      const decoded = decodeCdr(row.raw);
      if (!decoded.ok) {
        stillInvalid++;
        continue;
      }
      await publisher.publishRaw(row.raw, decoded.cdr.callId, numberDigits(decoded.cdr.caller));
      replayed++;
    }
    await publisher.flush();
    await publisher.close();
    await nc.drain();
    deps.out.write(`${JSON.stringify({ replayed, stillInvalid })}\n`);
  } finally {
    await pool.end();
  }
}
