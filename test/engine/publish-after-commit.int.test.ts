/**
 * Publish after commit on the real engine: the engine process is SIGKILLed by the fault hook right after its
 * first commit that stored alerts, before publishing them. The restarted engine takes the partitions over
 * (leases, claims), publishes what the dead one left unmarked, and finishes the stream. Then every stream
 * alert is in `fraud_alerts` once, on ALERTS once with its row id, and marked published; the same holds for
 * case events (CASES, `case_events`) whatever the engine derived.
 */
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { partitionOf } from '../../src/codec/index.js';
import { cdrSubject } from '../../src/stream/index.js';
import { mixedStream } from '../support/cdr-builders.js';
import { countOf } from '../support/databases.js';
import { spawnEngine } from '../support/engine-process.js';
import { configuredAlertKeys } from '../support/reference-alerts.js';
import { eventually, startTestStack, type TestStack } from '../support/service-fixture.js';

describe('publish after commit on the real engine', () => {
  let stack: TestStack;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let pool: pg.Pool;

  beforeAll(async () => {
    stack = await startTestStack();
    nc = await connect({ servers: stack.natsUrl });
    jsm = await jetstreamManager(nc);
    pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  });

  afterAll(async () => {
    await pool?.end();
    await nc?.close();
    await stack?.cleanup();
  });

  async function streamIds(stream: string): Promise<Map<string, unknown>> {
    const info = await jsm.streams.info(stream);
    const ids = new Map<string, unknown>();
    for (let seq = info.state.first_seq; info.state.messages > 0 && seq <= info.state.last_seq; seq += 1) {
      const message = await jsm.streams.getMessage(stream, { seq });
      if (message === null) continue;
      const msgId = message.header.get('Nats-Msg-Id');
      expect(ids.has(msgId), `${stream} holds ${msgId} twice`).toBe(false);
      ids.set(msgId, message.json<{ id?: number; case_id?: number }>());
    }
    return ids;
  }

  it('SIGKILL between commit and publish: every alert stored once, on ALERTS once with its id, marked', async () => {
    const stream = mixedStream({ nowMs: Date.now(), sdhfCallers: 3, normalCallers: 300, seed: 23 });
    const js = jetstream(nc);
    // The engine creates the streams; it dies at its first commit with alerts, wherever the publishing is.
    const first = await spawnEngine({ ...stack.env, FAULT_KILL_AFTER_COMMIT: '1' });
    for (const record of stream.records) {
      const partition = record.caller === '0' ? 0 : partitionOf(record.caller, 4);
      await js.publish(cdrSubject(partition), record.json, { msgID: record.callId });
    }
    expect(await first.exited, first.output()).toBeNull(); // killed by a signal, not exited
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(
      await countOf(pool, 'SELECT count(*) AS n FROM fraud_alerts WHERE published_at IS NULL'),
    ).toBeGreaterThan(0);

    const second = await spawnEngine(stack.env);
    await eventually(
      'every valid record committed after the restart',
      async () => (await countOf(pool, 'SELECT count(*) AS n FROM call_records')) >= stream.validCallIds.size,
      60_000,
    );
    const expected = configuredAlertKeys(stream.records, 4, loadConfig(stack.env));
    expect(expected.size).toBeGreaterThan(0);
    await eventually('every alert marked published', async () => {
      const marked = await countOf(
        pool,
        'SELECT count(*) AS n FROM fraud_alerts WHERE published_at IS NOT NULL',
      );
      return marked === expected.size;
    });
    const rows = await pool.query<{ id: string; alert_key: string }>(
      'SELECT id, alert_key FROM fraud_alerts',
    );
    expect(new Set(rows.rows.map((row) => row.alert_key))).toEqual(expected);
    const onStream = await streamIds('ALERTS');
    expect(onStream.size).toBe(expected.size);
    for (const row of rows.rows) expect(onStream.get(row.alert_key)).toMatchObject({ id: Number(row.id) });

    await eventually('every case event marked published', async () => {
      return (await countOf(pool, 'SELECT count(*) AS n FROM case_events WHERE published_at IS NULL')) === 0;
    });
    const events = await pool.query<{ event_key: string }>('SELECT event_key FROM case_events');
    expect(new Set((await streamIds('CASES')).keys())).toEqual(
      new Set(events.rows.map((row) => row.event_key)),
    );

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 180_000);
});
