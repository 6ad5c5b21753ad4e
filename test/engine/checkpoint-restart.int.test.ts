/**
 * Restarts from checkpoints: with periodic checkpoints on, SIGKILL the engine mid-stream; the restart restores
 * every partition from its checkpoint and replays only the tail after it, and the end result (rows, dead
 * letters, alerts stored and published) is exactly that of an uninterrupted run. A graceful stop then writes
 * current checkpoints, so the next start replays nothing.
 */
import { existsSync } from 'node:fs';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { CheckpointFiles } from '../../src/engine/worker/checkpoint-files.js';
import { cdrSubject, partitionStreamName } from '../../src/stream/index.js';
import { partitionOf } from '../../src/codec/index.js';
import { mixedStream } from '../support/cdr-builders.js';
import { spawnEngine, type EngineProcess } from '../support/engine-process.js';
import { configuredAlertKeys } from '../support/reference-alerts.js';
import { countOf } from '../support/databases.js';
import { eventually, startTestStack, type TestStack } from '../support/service-fixture.js';

const PARTITIONS = 4;

/** Sum of a metric's samples whose label text contains `labels` (e.g. `result="ok"`). */
async function metric(engine: EngineProcess, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${engine.httpUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || !line.includes(labels)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Waits for the workers' first metrics reports after ready (they report every second). */
async function reported(engine: EngineProcess): Promise<void> {
  await eventually(
    'start-up counters reported',
    async () => (await metric(engine, 'sentinel_checkpoint_restores_total')) >= PARTITIONS,
  );
  await new Promise((resolve) => setTimeout(resolve, 1_500));
}

describe('restart from checkpoints', () => {
  let stack: TestStack;
  let nc: NatsConnection;
  let pool: pg.Pool;
  let env: Record<string, string>;

  beforeAll(async () => {
    stack = await startTestStack();
    env = { ...stack.env, CHECKPOINT_INTERVAL: '1s', CHECKPOINT_STORE: 'local' };
    nc = await connect({ servers: stack.natsUrl });
    pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  });

  afterAll(async () => {
    await pool?.end();
    await nc?.close();
    await stack?.cleanup();
  });

  it('SIGKILL, then resume from the checkpoints: tail-only replay, the same rows and alerts as one run', async () => {
    const nowMs = Date.now();
    const mixed = mixedStream({ nowMs, sdhfCallers: 4, normalCallers: 800, seed: 23 });
    // In event-time order, cut where each SDHF caller has made ~36 of its 80 calls (one every 20 s from
    // now − 50 min) and ~42 by the crash: its alert (at 51 distinct callees) fires only after the restart,
    // so it depends on window state carried through the checkpoint; a restart that lost it never alerts.
    const startOf = (json: string): number => {
      try {
        return Date.parse((JSON.parse(json) as { start: string }).start) || Infinity;
      } catch {
        return Infinity;
      }
    };
    const ordered = [...mixed.records].sort((a, b) => startOf(a.json) - startOf(b.json));
    const baseMs = nowMs - 50 * 60_000;
    const firstCut = ordered.findIndex((r) => startOf(r.json) >= baseMs + 12 * 60_000);
    const secondCut = ordered.findIndex((r) => startOf(r.json) >= baseMs + 14 * 60_000);
    // Re-sent copies of early records under new Msg-Ids (past JetStream's duplicate window): only the dedup
    // ids carried in the checkpoint can drop them.
    const resent = ordered
      .slice(0, firstCut)
      .filter((_, i) => i % 50 === 0)
      .map((r) => ({ ...r, msgId: `${r.callId}-resent` }));
    const stream = {
      ...mixed,
      records: [...ordered.slice(0, secondCut), ...resent, ...ordered.slice(secondCut)].map((r) => ({
        msgId: r.callId,
        ...r,
      })),
    };
    const js = jetstream(nc);
    const publish = async (from: number, to: number): Promise<void> => {
      for (const record of stream.records.slice(from, to)) {
        const partition = record.caller === '0' ? 0 : partitionOf(record.caller, PARTITIONS);
        await js.publish(cdrSubject(partition), record.json, { msgID: record.msgId });
      }
    };
    const files = new CheckpointFiles(env.CHECKPOINT_DIR!, 'sentinel');

    const first = await spawnEngine(env);
    await publish(0, firstCut);
    await eventually(
      'a checkpoint of every partition with records in it',
      async () => {
        const read = await Promise.all([0, 1, 2, 3].map((p) => files.read(p)));
        return read.every((c) => c !== undefined && c.seq > 0);
      },
      60_000,
    );
    await publish(firstCut, secondCut);
    await eventually(
      'rows of the second part committed',
      async () => (await countOf(pool, 'SELECT count(*) AS n FROM call_records')) > firstCut,
      60_000,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await countOf(pool, 'SELECT count(*) AS n FROM fraud_alerts')).toBe(0); // none has fired yet
    const checkpointed = await Promise.all([0, 1, 2, 3].map(async (p) => (await files.read(p))!.seq));

    const second = await spawnEngine(env);
    await reported(second);
    expect(await metric(second, 'sentinel_checkpoint_restores_total', 'result="restored"')).toBe(PARTITIONS);
    // Only what came after each checkpoint was replayed, far less than everything published before the crash.
    const replayed = await metric(second, 'sentinel_replay_records_total');
    // Each partition has its own stream: what can be left to replay is, per partition, last − checkpoint.
    const jsm = await jetstreamManager(nc);
    let tail = 0;
    for (const [p, seq] of checkpointed.entries())
      tail += (await jsm.streams.info(partitionStreamName('CDR', p))).state.last_seq - seq;
    expect(replayed).toBeLessThanOrEqual(tail);
    expect(replayed).toBeLessThan(secondCut);

    await publish(secondCut, stream.records.length);
    await eventually(
      'every valid record committed after the restart',
      async () => (await countOf(pool, 'SELECT count(*) AS n FROM call_records')) >= stream.validCallIds.size,
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await countOf(pool, 'SELECT count(*) AS n FROM call_records')).toBe(stream.validCallIds.size);
    expect(await countOf(pool, 'SELECT count(DISTINCT call_id) AS n FROM call_records')).toBe(
      stream.validCallIds.size,
    );
    expect(await countOf(pool, 'SELECT count(*) AS n FROM dead_letters')).toBe(stream.invalidCount);
    expect(resent.length).toBeGreaterThan(5);
    expect(await metric(second, 'sentinel_cdr_records_duplicate_total')).toBe(resent.length);

    const config = loadConfig(env);
    const expected = configuredAlertKeys(stream.records, PARTITIONS, config);
    expect(expected.size).toBeGreaterThan(0);
    const stored = await pool.query<{ alert_key: string }>('SELECT alert_key FROM fraud_alerts');
    expect(new Set(stored.rows.map((r) => r.alert_key))).toEqual(expected);
    const alertsStream = await (await jetstreamManager(nc)).streams.info('ALERTS');
    expect(alertsStream.state.messages).toBe(expected.size);

    // A graceful stop leaves checkpoints at the committed offsets: the next start has nothing to replay.
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const offsets = await pool.query<{ partition: number; last_seq: string }>(
      "SELECT partition, last_seq FROM sink_offsets WHERE consumer = 'sentinel'",
    );
    for (const row of offsets.rows) expect((await files.read(row.partition))?.seq).toBe(Number(row.last_seq));
    const thirdRun = await spawnEngine(env);
    await reported(thirdRun);
    expect(await metric(thirdRun, 'sentinel_checkpoint_restores_total', 'result="restored"')).toBe(
      PARTITIONS,
    );
    expect(await metric(thirdRun, 'sentinel_replay_records_total')).toBe(0);
    thirdRun.child.kill('SIGTERM');
    expect(await thirdRun.exited).toBe(0);
  }, 240_000);

  it('starts without checkpoints when they are unusable (other windows, a re-created stream), and says so', async () => {
    const files = new CheckpointFiles(env.CHECKPOINT_DIR!, 'sentinel');
    expect(existsSync(files.fileOf(0))).toBe(true);
    // Other windows than the checkpoints were taken with: the engine must rebuild from the stream instead.
    const engine = await spawnEngine({ ...env, WINDOWS: '10m,1h,12h' });
    await reported(engine);
    expect(await metric(engine, 'sentinel_checkpoint_restores_total', 'result="unusable"')).toBe(PARTITIONS);
    expect(await metric(engine, 'sentinel_checkpoint_restores_total', 'result="restored"')).toBe(0);
    expect(await metric(engine, 'sentinel_replay_records_total')).toBeGreaterThan(0);
    engine.child.kill('SIGTERM');
    expect(await engine.exited).toBe(0);

    // A CDR stream deleted and created again restarts its sequences: checkpoints of the old one must not apply.
    const jsm = await jetstreamManager(nc);
    for (let p = 0; p < PARTITIONS; p++) await jsm.streams.delete(partitionStreamName('CDR', p));
    const fresh = await spawnEngine({ ...env, WINDOWS: '10m,1h,12h' });
    await reported(fresh);
    expect(await metric(fresh, 'sentinel_checkpoint_restores_total', 'result="unusable"')).toBe(PARTITIONS);
    expect(fresh.output()).toContain('checkpoint belongs to another CDR stream');
    fresh.child.kill('SIGTERM');
    expect(await fresh.exited).toBe(0);
  }, 120_000);
});
