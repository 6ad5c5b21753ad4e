/**
 * Publish after commit survives a SIGKILL between the commit and the publish: a worker process (the production
 * sink and publishing, test/support/case-crash-driver.ts) is killed by the fault hook right after a commit that
 * stored case events. The next owner of the partition publishes the outboxes first and goes on; in the end every
 * case event is in `case_events` once, on the CASES stream once (Msg-Id = event_key), marked published, and
 * the message bodies carry the case ids; every alert is in `fraud_alerts` once and on ALERTS once with its id.
 * A third owner finds nothing left to publish.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerProcess } from '../../src/embedded/index.js';
import { migrate } from '../../src/sinks/index.js';
import { ensureStreams, type CaseEventMessage } from '../../src/stream/index.js';
import { transpileForChild } from '../support/child-script.js';
import { countOf, createTestDatabase, type TestDatabase } from '../support/databases.js';
import type { DriverArgs } from '../support/case-crash-driver.js';

const SUSPECTS = 6;
const EVENTS_PER_SUSPECT = 5;
const EVENTS_PER_BATCH = 4;
const TOTAL = SUSPECTS * EVENTS_PER_SUSPECT;
/** One alert per batch. */
const ALERTS = Math.ceil(TOTAL / EVENTS_PER_BATCH);

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

describe('publish after commit: SIGKILL between commit and publish', () => {
  let dir: string;
  let nats: NatsServerProcess;
  let db: TestDatabase;
  let pool: pg.Pool;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let driver: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sentinel-case-crash-'));
    nats = await startNatsServer({ dataDir: join(dir, 'nats'), port: 0, pathEnv: process.env.PATH });
    db = await createTestDatabase('sentinel_case_crash');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await migrate(pool, pino({ level: 'silent' }));
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    await ensureStreams(
      jsm,
      { partitions: 1, cdrMaxAgeMs: 26 * 3_600_000, duplicateWindowMs: 120_000, cdrLayout: 'per-partition' },
      pino({ level: 'silent' }),
    );
    driver = transpileForChild(['test/support/case-crash-driver.ts', 'test/support/case-events.ts']);
  });

  afterAll(async () => {
    await nc?.close();
    await pool?.end();
    await nats?.stop();
    await db?.drop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function run(epoch: number, env: Record<string, string> = {}): Promise<RunResult> {
    const args: DriverArgs = {
      natsUrl: nats.url,
      databaseUrl: db.url,
      consumer: 'crash',
      partition: 0,
      epoch,
      suspects: SUSPECTS,
      eventsPerBatch: EVENTS_PER_BATCH,
      baseMs: Date.UTC(2026, 11, 1, 8),
    };
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [driver, JSON.stringify(args)], {
        env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
        timeout: 60_000,
      });
      return { code: 0, signal: null, stdout, stderr };
    } catch (error) {
      const failed = error as {
        code?: number | null;
        signal?: NodeJS.Signals | null;
        stdout?: string;
        stderr?: string;
      };
      return {
        code: typeof failed.code === 'number' ? failed.code : null,
        signal: failed.signal ?? null,
        stdout: failed.stdout ?? '',
        stderr: failed.stderr ?? '',
      };
    }
  }

  async function streamMessages<T = CaseEventMessage>(
    stream = 'CASES',
  ): Promise<{ msgId: string; body: T }[]> {
    const info = await jsm.streams.info(stream);
    const out: { msgId: string; body: T }[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq += 1) {
      const message = await jsm.streams.getMessage(stream, { seq });
      if (message === null) continue;
      out.push({ msgId: message.header.get('Nats-Msg-Id'), body: message.json<T>() });
    }
    return out;
  }

  it('after the restart every case event is stored once and on the stream once', async () => {
    const crashed = await run(1, { FAULT_KILL_AFTER_COMMIT: '2' });
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    // Two batches committed; the second never reached NATS, and nothing of it was marked.
    expect(await countOf(pool, 'SELECT count(*) AS n FROM case_events')).toBe(2 * EVENTS_PER_BATCH);
    expect(
      await countOf(pool, 'SELECT count(*) AS n FROM fraud_alerts WHERE published_at IS NULL'),
    ).toBeGreaterThan(0);
    expect(
      await countOf(pool, 'SELECT count(*) AS n FROM case_events WHERE published_at IS NULL'),
    ).toBeGreaterThanOrEqual(EVENTS_PER_BATCH);
    expect((await streamMessages()).length).toBeLessThanOrEqual(EVENTS_PER_BATCH);

    const resumed = await run(2);
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = JSON.parse(resumed.stdout.trim().split('\n').pop()!) as { republished: number };
    expect(report.republished).toBeGreaterThanOrEqual(EVENTS_PER_BATCH);

    expect(await countOf(pool, 'SELECT count(*) AS n FROM case_events')).toBe(TOTAL);
    expect(await countOf(pool, 'SELECT count(DISTINCT event_key) AS n FROM case_events')).toBe(TOTAL);
    expect(await countOf(pool, 'SELECT count(*) AS n FROM case_events WHERE published_at IS NULL')).toBe(0);
    expect(await countOf(pool, 'SELECT count(*) AS n FROM cases')).toBe(SUSPECTS);
    expect(
      await countOf(pool, `SELECT count(*) AS n FROM cases WHERE event_count = ${EVENTS_PER_SUSPECT}`),
    ).toBe(SUSPECTS);

    const messages = await streamMessages();
    expect(messages).toHaveLength(TOTAL);
    const keys = await pool.query<{ event_key: string }>('SELECT event_key FROM case_events');
    expect(new Set(messages.map((m) => m.msgId))).toEqual(new Set(keys.rows.map((r) => r.event_key)));
    for (const { msgId, body } of messages) expect(body.event_key).toBe(msgId);
    const ids = await pool.query<{ id: string; case_key: string }>('SELECT id, case_key FROM cases');
    const caseIds = new Map(ids.rows.map((row) => [row.case_key, Number(row.id)]));
    for (const { body } of messages) expect(body.case_id).toBe(caseIds.get(body.case_key));
    // Each case's events reached the stream in sequence order, the outbox's included.
    const sequences = new Map<string, number[]>();
    for (const { body } of messages)
      sequences.set(body.case_key, [...(sequences.get(body.case_key) ?? []), body.sequence]);
    for (const list of sequences.values()) expect(list).toEqual([0, 1, 2, 3, 4]);
    expect(messages.map((m) => m.body.kind).filter((kind) => kind === 'opened')).toHaveLength(SUSPECTS);

    // Alerts too: each in fraud_alerts once, on ALERTS once with its row id, all marked.
    expect(await countOf(pool, 'SELECT count(*) AS n FROM fraud_alerts')).toBe(ALERTS);
    expect(await countOf(pool, 'SELECT count(*) AS n FROM fraud_alerts WHERE published_at IS NULL')).toBe(0);
    const alerts = await streamMessages<{ id: number; alert_key: string }>('ALERTS');
    expect(alerts).toHaveLength(ALERTS);
    const rows = await pool.query<{ id: string; alert_key: string }>(
      'SELECT id, alert_key FROM fraud_alerts',
    );
    expect(new Map(alerts.map((m) => [m.msgId, m.body.id]))).toEqual(
      new Map(rows.rows.map((row) => [row.alert_key, Number(row.id)])),
    );

    const again = await run(3);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout.trim().split('\n').pop()!)).toEqual({ done: true, republished: 0 });
    expect(await streamMessages()).toHaveLength(TOTAL);
    expect(await streamMessages('ALERTS')).toHaveLength(ALERTS);
  }, 180_000);
});
