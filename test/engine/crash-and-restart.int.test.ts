/**
 * Crash safety: SIGKILL the engine mid-stream, restart it, finish the stream. Row counts stay exact, no alert
 * is stored or published twice, and the alerts equal those of an uninterrupted run. Also: SIGTERM flushes
 * what is buffered and exits 0.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { cdrSubject } from '../../src/stream/index.js';
import { partitionOf } from '../../src/codec/index.js';
import { mixedStream } from '../support/cdr-builders.js';
import { spawnEngine } from '../support/engine-process.js';
import { configuredAlertKeys } from '../support/reference-alerts.js';
import { countOf } from '../support/databases.js';
import { eventually, startTestStack, type TestStack } from '../support/service-fixture.js';

describe('crash and restart', () => {
  let stack: TestStack;
  let nc: NatsConnection;
  let pool: pg.Pool;

  beforeAll(async () => {
    stack = await startTestStack();
    nc = await connect({ servers: stack.natsUrl });
    pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  });

  afterAll(async () => {
    await pool?.end();
    await nc?.close();
    await stack?.cleanup();
  });

  it('SIGKILL mid-stream then restart: exact rows, no duplicate alerts, same alerts as an uninterrupted run', async () => {
    const stream = mixedStream({ nowMs: Date.now(), sdhfCallers: 4, normalCallers: 800, seed: 11 });
    const js = jetstream(nc);
    const publish = async (from: number, to: number): Promise<void> => {
      for (const record of stream.records.slice(from, to)) {
        const partition = record.caller === '0' ? 0 : partitionOf(record.caller, 4);
        await js.publish(cdrSubject(partition), record.json, { msgID: record.callId });
      }
    };
    const half = Math.floor(stream.records.length / 2);
    const first = await spawnEngine(stack.env);
    await publish(0, half);
    await eventually(
      'some rows committed before the crash',
      async () => (await countOf(pool, 'SELECT count(*) AS n FROM call_records')) > 0,
    );
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await spawnEngine(stack.env);
    await publish(half, stream.records.length);
    await eventually(
      'every valid record committed after restart',
      async () => (await countOf(pool, 'SELECT count(*) AS n FROM call_records')) >= stream.validCallIds.size,
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await countOf(pool, 'SELECT count(*) AS n FROM call_records')).toBe(stream.validCallIds.size);
    expect(await countOf(pool, 'SELECT count(DISTINCT call_id) AS n FROM call_records')).toBe(
      stream.validCallIds.size,
    );
    expect(await countOf(pool, 'SELECT count(*) AS n FROM dead_letters')).toBe(stream.invalidCount);

    const config = loadConfig(stack.env);
    const expected = configuredAlertKeys(stream.records, 4, config);
    expect(expected.size).toBeGreaterThan(0);
    const stored = await pool.query<{ alert_key: string }>('SELECT alert_key FROM fraud_alerts');
    expect(new Set(stored.rows.map((r) => r.alert_key))).toEqual(expected);
    const alertsStream = await (await jetstreamManager(nc)).streams.info('ALERTS');
    expect(alertsStream.state.messages).toBe(expected.size);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 180_000);

  it('SIGTERM commits buffered records and exits 0', async () => {
    const env = { ...stack.env, SINK_FLUSH_INTERVAL: '60s', SINK_BATCH_MAX_ROWS: '50000' };
    const engine = await spawnEngine(env);
    const js = jetstream(nc);
    const records = Array.from({ length: 300 }, (_, i) => ({
      call_id: `term-${i}`,
      caller: `2348${String(30_000_000 + (i % 40))}`,
      callee: `2349${String(40_000_000 + i)}`,
      start: new Date(Date.now() - 60_000 + i).toISOString(),
      duration: 45,
    }));
    for (const record of records) {
      await js.publish(cdrSubject(partitionOf(record.caller, 4)), JSON.stringify(record), {
        msgID: record.call_id,
      });
    }
    let lastMetrics = '';
    await eventually('records handled by the workers', async () => {
      lastMetrics = await (await fetch(`${engine.httpUrl}/metrics`)).text();
      const consumed = [...lastMetrics.matchAll(/^sentinel_records_consumed_total\{phase="live"\} (\d+)/gm)];
      return consumed.reduce((sum, m) => sum + Number(m[1]), 0) >= records.length;
    }).catch((error: unknown) => {
      throw new Error(
        `${String(error)}\n${lastMetrics
          .split('\n')
          .filter((l) => l.includes('consumed'))
          .join('\n')}\n${engine.output()}`,
      );
    });
    // Nothing committed yet: the flush interval is a minute away.
    expect(await countOf(pool, "SELECT count(*) AS n FROM call_records WHERE call_id LIKE 'term-%'")).toBe(0);
    engine.child.kill('SIGTERM');
    expect(await engine.exited).toBe(0);
    expect(await countOf(pool, "SELECT count(*) AS n FROM call_records WHERE call_id LIKE 'term-%'")).toBe(
      records.length,
    );
  }, 120_000);
});
