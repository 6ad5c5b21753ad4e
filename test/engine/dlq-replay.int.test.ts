/**
 * Dead letters you can fix and replay, end to end against real nats-server and Postgres: a mediation feed with
 * a wrong time format dead-letters its records; the mapping is fixed and `sentinel dlq replay` stores them; a
 * second replay — after the CDR stream's duplicate window has passed, with another fix that even changes the
 * call ids — stores nothing more: each dead letter's record is stored once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDlqCommand, type ReplaySummary } from '../../src/cli/dlq-command.js';
import type { Service } from '../../src/engine/index.js';
import { feedSubject, partitionStreamName } from '../../src/stream/index.js';
import { fixtureText } from '../codec/formats/fixtures.js';
import { countOf } from '../support/databases.js';
import { eventually, startTestService, startTestStack, type TestStack } from '../support/service-fixture.js';

const PARTITIONS = 4;

describe('dead-letter replay', () => {
  let stack: TestStack;
  let service: Service;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let folder: string;
  const fixed = fixtureText('mediation.yaml');

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'sentinel-dlq-'));
    // The bug: the mediation writes DD/MM/YYYY, the mapping says iso.
    writeFileSync(join(folder, 'broken.yaml'), fixed.replace('format: "DD/MM/YYYY HH:mm:ss"', 'format: iso'));
    writeFileSync(join(folder, 'fixed.yaml'), fixed);
    // A later fix that maps no call_id: the records get content-hash ids the engine has never seen.
    writeFileSync(join(folder, 'rehashed.yaml'), fixed.replace('  call_id: record.id\n', ''));
    stack = await startTestStack();
    service = await startTestService(stack, { FEED_PROFILES: `mapping:${join(folder, 'broken.yaml')}` });
    nc = await connect({ servers: stack.natsUrl });
    jsm = await jetstreamManager(nc);
    await eventually('feed thread ready', async () => service.feed?.state === 'ready');
  });

  afterAll(async () => {
    await nc?.close();
    await service?.stop();
    await stack?.cleanup();
    rmSync(folder, { recursive: true, force: true });
  });

  async function dlq(args: string[]): Promise<{ code: number; lines: string[] }> {
    let text = '';
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    const code = await runDlqCommand(args, {
      databaseUrl: stack.databaseUrl,
      natsUrl: stack.natsUrl,
      partitions: PARTITIONS,
      feed: service.config.feed,
      logger: pino({ level: 'silent' }),
      out,
    });
    return { code, lines: text.split('\n').filter((line) => line !== '') };
  }

  async function replay(args: string[]): Promise<ReplaySummary> {
    const { code, lines } = await dlq(['replay', ...args]);
    expect(code).toBe(0);
    return JSON.parse(lines[0] ?? '{}') as ReplaySummary;
  }

  /** Every message in the CDR stream has been committed (or skipped) by the sink. */
  async function allCommitted(): Promise<boolean> {
    const offsets = await service.pool.query<{ partition: number; last_seq: string }>(
      "SELECT partition, last_seq FROM sink_offsets WHERE consumer = 'sentinel'",
    );
    const committed = new Map(offsets.rows.map((row) => [row.partition, Number(row.last_seq)]));
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const last = (await jsm.streams.info(partitionStreamName('CDR', partition))).state.last_seq;
      if ((committed.get(partition) ?? 0) < last) return false;
    }
    return true;
  }

  const callRows = (): Promise<number> => countOf(service.pool, 'SELECT count(*) AS n FROM call_records');

  it('replays fixed dead letters once, and never again however late or often', async () => {
    const js = jetstream(nc);
    for (const line of fixtureText('mediation-records.ndjson').trim().split('\n'))
      await js.publish(feedSubject('mediation'), line);
    await eventually('two dead letters and one stored record', async () => {
      const dead = await countOf(service.pool, 'SELECT count(*) AS n FROM dead_letters');
      return dead >= 2 && (await callRows()) >= 1;
    });
    const listed = (await dlq(['list', '--rejected-by', 'mediation'])).lines.map(
      (line) => JSON.parse(line) as { reason: string; profile: string; replay_count: number },
    );
    expect(listed.map((row) => [row.reason, row.profile, row.replay_count])).toEqual([
      ['invalid_start', 'mediation', 0],
      ['invalid_start', 'mediation', 0],
    ]);

    const brokenAgain = await replay(['--profile', 'mediation', '--dry-run']);
    expect(brokenAgain).toMatchObject({
      selected: 2,
      replayed: 0,
      stillInvalid: 2,
      stillInvalidReasons: { invalid_start: 2 },
    });

    const dryRun = await replay([
      '--profile',
      'mediation',
      '--mapping',
      join(folder, 'fixed.yaml'),
      '--dry-run',
    ]);
    expect(dryRun).toMatchObject({ selected: 2, replayed: 2, stillInvalid: 0, dryRun: true });
    const first = await replay([
      '--profile',
      'mediation',
      '--mapping',
      join(folder, 'fixed.yaml'),
      '--since',
      '1h',
    ]);
    expect(first).toMatchObject({
      selected: 2,
      replayed: 2,
      duplicates: 0,
      stillInvalid: 0,
      failed: 0,
      dryRun: false,
    });
    await eventually('replayed records stored', async () => (await callRows()) >= 3);
    await eventually('sink caught up', allCommitted);
    const stored = await service.pool.query<{ call_id: string; start_ms: string }>(
      `SELECT call_id, (extract(epoch FROM start_time) * 1000)::bigint AS start_ms FROM call_records ORDER BY call_id`,
    );
    expect(stored.rows).toEqual([
      { call_id: 'MSC1-000001', start_ms: String(Date.UTC(2024, 4, 29, 16, 59, 50)) },
      { call_id: 'MSC1-000002', start_ms: String(Date.UTC(2024, 4, 29, 17, 1, 32)) },
      { call_id: 'MSC1-000003', start_ms: String(Date.UTC(2024, 4, 29, 17, 2, 0)) },
    ]);
    // Already replayed rows are not selected again by default.
    expect(await replay(['--profile', 'mediation', '--mapping', join(folder, 'fixed.yaml')])).toMatchObject({
      selected: 0,
    });

    // JetStream's duplicate window (Msg-Id dlq-<id>) passes: shrink it, as if hours had gone by.
    for (let partition = 0; partition < PARTITIONS; partition++)
      await jsm.streams.update(partitionStreamName('CDR', partition), { duplicate_window: nanos(1_000) });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const second = await replay([
      '--profile',
      'mediation',
      '--mapping',
      join(folder, 'rehashed.yaml'),
      '--include-replayed',
    ]);
    expect(second).toMatchObject({ selected: 2, replayed: 2, duplicates: 0 });
    await eventually('second replay processed', allCommitted);
    expect(await callRows()).toBe(3);
    expect(await countOf(service.pool, 'SELECT count(*) AS n FROM dead_letter_replays')).toBe(2);
    const marked = await service.pool.query<{
      replay_count: number;
      replayed_profile: string;
      replayed: boolean;
    }>(
      'SELECT replay_count, replayed_profile, replayed_at IS NOT NULL AS replayed FROM dead_letters ORDER BY id',
    );
    expect(marked.rows).toEqual([
      { replay_count: 2, replayed_profile: 'mediation', replayed: true },
      { replay_count: 2, replayed_profile: 'mediation', replayed: true },
    ]);
  }, 120_000);
});
