/**
 * Postgres goes away mid-stream and comes back: the engine stops pulling once its bounded buffer is full,
 * keeps running, then catches up with nothing lost and nothing written twice.
 */
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startEmbeddedPostgres, startNatsServer } from '../../src/embedded/index.js';
import { startService, type Service } from '../../src/engine/index.js';
import { cdrSubject } from '../../src/stream/index.js';
import { partitionOf } from '../../src/codec/index.js';
import { eventually } from '../support/service-fixture.js';

const MAX_BUFFERED_ROWS = 500;

describe('Postgres outage', () => {
  let dir: string;
  let postgres: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let service: Service;
  let nc: NatsConnection;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sentinel-outage-'));
    chmodSync(dir, 0o755);
    nats = await startNatsServer({ dataDir: join(dir, 'nats'), port: 0, pathEnv: process.env.PATH });
    postgres = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: 0, persistent: true });
    const config = loadConfig({
      NATS_URL: nats.url,
      DATABASE_URL: postgres.adminUrl,
      PARTITIONS: '4',
      WORKERS: '2',
      LOG_LEVEL: 'error',
      LOG_FORMAT: 'json',
      SINK_FLUSH_INTERVAL: '50ms',
      SINK_BATCH_MAX_ROWS: '200',
      SINK_MAX_BUFFERED_ROWS: String(MAX_BUFFERED_ROWS),
      SINK_RETRY_BASE: '50ms',
      SINK_RETRY_MAX: '500ms',
      SINK_BREAKER_FAILURES: '3',
      SINK_BREAKER_RESET: '500ms',
      DATABASE_POOL_MAX_SIZE: '2',
      CHECKPOINT_DIR: join(dir, 'checkpoints'),
    });
    service = await startService(config, { logger: pino({ level: 'error' }), version: 'test', http: false });
    expect(await service.whenReady(60_000)).toBe(true);
    nc = await connect({ servers: nats.url });
  });

  afterAll(async () => {
    await nc?.close();
    await service?.stop();
    await postgres?.stop().catch(() => undefined);
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('buffers within its bound while Postgres is down and catches up exactly once when it returns', async () => {
    const js = jetstream(nc);
    const total = 6_000;
    const publish = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i++) {
        const caller = `2348${String(50_000_000 + (i % 997))}`;
        const record = {
          call_id: `outage-${i}`,
          caller,
          callee: `2349${String(60_000_000 + i)}`,
          start: new Date(Date.now() - 120_000).toISOString(),
          duration: 30,
        };
        await js.publish(cdrSubject(partitionOf(caller, 4)), JSON.stringify(record), {
          msgID: record.call_id,
        });
      }
    };
    const countRows = async (): Promise<number> => {
      const client = new pg.Client({ connectionString: postgres.adminUrl });
      await client.connect();
      try {
        return Number(
          (await client.query<{ n: string }>('SELECT count(*) AS n FROM call_records')).rows[0]?.n,
        );
      } finally {
        await client.end();
      }
    };
    await publish(0, 1_000);
    await eventually('first rows committed', async () => (await countRows()) === 1_000);

    await postgres.stop();
    await publish(1_000, total);
    // Each worker fills its buffer up to the bound, then stops pulling; the breaker opens.
    await eventually('every worker buffer full and its circuit open', async () => {
      const health = await service.engine.health();
      return health.workers.every(
        (w) => w.bufferedRows >= MAX_BUFFERED_ROWS * 0.9 && w.sinkCircuit === 'open',
      );
    });
    let maxBuffered = 0;
    for (let i = 0; i < 20; i++) {
      const health = await service.engine.health();
      for (const worker of health.workers) maxBuffered = Math.max(maxBuffered, worker.bufferedRows);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Bounded: pulls are sized to the room left, so a worker overshoots by at most one message per partition.
    expect(maxBuffered).toBeLessThanOrEqual(MAX_BUFFERED_ROWS + 4);
    // The rest waits in JetStream, not in memory.
    await eventually('the backlog reported as consumer lag', async () => {
      const pending = (await service.engine.health()).workers.flatMap((w) =>
        Object.values(w.consumerPending),
      );
      return pending.reduce((a, b) => a + b, 0) > 1_000;
    });

    await postgres.start();
    await eventually(
      'caught up after Postgres returned',
      async () => (await countRows().catch(() => 0)) >= total,
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await countRows()).toBe(total);
    const client = new pg.Client({ connectionString: postgres.adminUrl });
    await client.connect();
    const distinct = await client.query<{ n: string }>(
      'SELECT count(DISTINCT call_id) AS n FROM call_records',
    );
    await client.end();
    expect(Number(distinct.rows[0]?.n)).toBe(total);
  }, 180_000);
});
