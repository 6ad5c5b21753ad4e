/**
 * `sentinel migrate`, `sentinel partitions` and `sentinel dlq` against the suite's Postgres and nats-server.
 * Each describe has its own database; the dlq replay publishes to a uniquely named CDR stream.
 */
import { Writable } from 'node:stream';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runDlqCommand, runMigrateCommand, runPartitionsCommand } from '../../src/cli/admin-commands.js';
import { partitionOf } from '../../src/codec/index.js';
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
import { ensureStreams, resolveStreamNames, type StreamNames } from '../../src/stream/index.js';
import { cdr } from '../support/cdr-builders.js';
import { countOf, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { connectTestNats, uniqueName } from '../support/nats.js';

const logger = pino({ level: 'silent' });
const PARTITIONS = 4;

interface StoredCdr {
  subject: string;
  data: string;
  msgId: string;
}

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

describe('sentinel dlq', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let names: StreamNames;

  const startIso = new Date(Date.now() - 3_600_000).toISOString();
  /** Dead letters as the workers store them, oldest first. B and C decode now (a validation fix, say). */
  const letters = {
    brokenJson: { reason: 'invalid_json', field: null, raw: '{"call_id": "dlq-a", "caller": ' },
    nowValid: {
      reason: 'invalid_caller',
      field: 'caller',
      raw: JSON.stringify({ ...cdr('dlq-b', '2348012345678', '2349011111111', 0, 2), start: startIso }),
    },
    nowValidLong: {
      reason: 'invalid_caller',
      field: 'caller',
      raw: JSON.stringify({
        ...cdr('dlq-c', '15551234567', '2349011111112', 0, 3),
        start: startIso,
        note: 'x'.repeat(300),
      }),
    },
    badDuration: {
      reason: 'invalid_duration',
      field: 'duration',
      raw: JSON.stringify({ ...cdr('dlq-d', '2348012345679', '2349011111113', 0, -3), start: startIso }),
    },
  };

  beforeAll(async () => {
    db = await createTestDatabase('sentinel_cli_dlq');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await migrate(pool, logger);
    for (const letter of Object.values(letters)) {
      await pool.query(
        `INSERT INTO dead_letters (reason, field, message, subject, stream_partition, stream_seq, raw)
         VALUES ($1, $2, $3, 'cdr.in.0', 0, 1, $4)`,
        [letter.reason, letter.field, `rejected: ${letter.reason}`, Buffer.from(letter.raw)],
      );
    }

    nc = await connectTestNats();
    jsm = await jetstreamManager(nc);
    const id = uniqueName('c').toLowerCase();
    // `dlq replay` publishes on the default `cdr.in.<p>` subjects (it has no prefix option): only the stream
    // name can be unique, so this stream owns `cdr.in.*` on the shared server while the describe runs.
    names = resolveStreamNames({
      cdrStream: uniqueName('CDR'),
      dlqStream: uniqueName('CDR_DLQ'),
      dlqSubject: `test.${id}.cdr.dlq`,
      alertsStream: uniqueName('ALERTS'),
      alertsSubjectPrefix: `test.${id}.alerts`,
    });
    await ensureStreams(
      jsm,
      { partitions: PARTITIONS, cdrMaxAgeMs: 3 * 3_600_000, duplicateWindowMs: 120_000, names },
      logger,
    );
  });

  afterAll(async () => {
    for (const stream of [names.cdrStream, names.dlqStream, names.alertsStream])
      await jsm.streams.delete(stream).catch(() => false);
    await nc.close();
    await pool.end();
    await db.drop();
  });

  async function run(args: string[]): Promise<Record<string, unknown>[]> {
    const out = new Output();
    await runDlqCommand(args, {
      databaseUrl: db.url,
      natsUrl: inject('natsUrl'),
      partitions: PARTITIONS,
      logger,
      out,
    });
    return out.json();
  }

  async function storedCdrs(): Promise<StoredCdr[]> {
    const { state } = await jsm.streams.info(names.cdrStream);
    const stored: StoredCdr[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const message = await jsm.streams.getMessage(names.cdrStream, { seq });
      if (message === null) continue;
      stored.push({
        subject: message.subject,
        data: new TextDecoder().decode(message.data),
        msgId: message.header.get('Nats-Msg-Id'),
      });
    }
    return stored;
  }

  it('list prints one JSON line per dead letter, newest first, with a 200-byte raw preview', async () => {
    const lines = await run(['list']);
    expect(lines.map((line) => line.reason)).toEqual([
      'invalid_duration',
      'invalid_caller',
      'invalid_caller',
      'invalid_json',
    ]);
    const [duration, long, , broken] = lines;
    expect(duration).toMatchObject({
      reason: 'invalid_duration',
      field: 'duration',
      message: 'rejected: invalid_duration',
      raw_preview: letters.badDuration.raw,
    });
    expect(Object.keys(duration ?? {}).sort()).toEqual(
      ['field', 'id', 'message', 'raw_preview', 'reason', 'received_at'].sort(),
    );
    expect(Number.isNaN(Date.parse(String(duration?.received_at)))).toBe(false);
    expect(long?.raw_preview).toBe(letters.nowValidLong.raw.slice(0, 200));
    expect(broken).toMatchObject({ field: null, raw_preview: letters.brokenJson.raw });
    const ids = lines.map((line) => Number(line.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('list --reason keeps that reason only, and --limit the newest N', async () => {
    const callers = await run(['list', '--reason', 'invalid_caller']);
    expect(callers.map((line) => line.raw_preview)).toEqual([
      letters.nowValidLong.raw.slice(0, 200),
      letters.nowValid.raw,
    ]);
    expect(await run(['list', '--reason', 'no_such_reason'])).toEqual([]);
    expect((await run(['list', '--limit', '1'])).map((line) => line.reason)).toEqual(['invalid_duration']);
    expect(
      (await run(['list', '--reason', 'invalid_caller', '--limit', '1'])).map((line) => line.raw_preview),
    ).toEqual([letters.nowValidLong.raw.slice(0, 200)]);
  });

  it.each([
    ['--limit 0', ['list', '--limit', '0']],
    ['a word for --limit', ['list', '--limit', 'all']],
    ['a fraction for --limit', ['list', '--limit', '2.5']],
    ['--limit above a million', ['replay', '--limit', '1000001']],
    ['an unknown action', ['purge']],
    ['no action', []],
  ])('refuses %s with a UsageError', async (_what, args) => {
    const out = new Output();
    await expect(
      runDlqCommand(args, {
        databaseUrl: db.url,
        natsUrl: inject('natsUrl'),
        partitions: PARTITIONS,
        logger,
        out,
      }),
    ).rejects.toThrow(UsageError);
    expect(out.text).toBe('');
  });

  it('replay --reason replays only that reason; a record that still fails is counted and not sent', async () => {
    const before = (await storedCdrs()).length;
    expect(await run(['replay', '--reason', 'invalid_duration'])).toEqual([{ replayed: 0, stillInvalid: 1 }]);
    expect(await storedCdrs()).toHaveLength(before);
  });

  it('replay republishes the records that now decode on their partition subject, Msg-Id = call_id', async () => {
    expect(await run(['replay'])).toEqual([{ replayed: 2, stillInvalid: 2 }]);
    const stored = await storedCdrs();
    expect(stored).toHaveLength(2);
    expect(stored).toEqual(
      expect.arrayContaining([
        {
          subject: `cdr.in.${partitionOf('2348012345678', PARTITIONS)}`,
          data: letters.nowValid.raw,
          msgId: 'dlq-b',
        },
        {
          subject: `cdr.in.${partitionOf('15551234567', PARTITIONS)}`,
          data: letters.nowValidLong.raw,
          msgId: 'dlq-c',
        },
      ]),
    );

    // Replayed rows stay in dead_letters: a second run sends them again, and only the stream's duplicate
    // window (Msg-Id = call_id) keeps them from being stored twice.
    expect(await countOf(pool, 'SELECT count(*) AS n FROM dead_letters')).toBe(4);
    expect(await run(['replay'])).toEqual([{ replayed: 2, stillInvalid: 2 }]);
    expect(await storedCdrs()).toEqual(stored);
  });
});
