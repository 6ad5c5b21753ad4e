/**
 * A backlog drained with large pulls while its consumers are deleted under it, again and again: every pull
 * that dies with its consumer is replaced by a new consumer from the next needed sequence, and every record
 * lands in call_records exactly once (nothing skipped, nothing written twice).
 */
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startService, type Service } from '../../src/engine/index.js';
import { partitionOf } from '../../src/codec/index.js';
import { cdrSubject, partitionStreamName } from '../../src/stream/index.js';
import { cdr } from '../support/cdr-builders.js';
import {
  eventually,
  startTestService,
  startTestStack,
  testConfig,
  type TestStack,
} from '../support/service-fixture.js';

const PARTITIONS = 4;
/** A small sink bound: pulls must stay within each partition's share of it while draining. */
const OVERRIDES = { SINK_MAX_BUFFERED_ROWS: '3000', SINK_BATCH_MAX_ROWS: '1000' };

async function deleteEveryConsumer(jsm: JetStreamManager): Promise<number> {
  let deleted = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const stream = partitionStreamName('CDR', p);
    for await (const info of jsm.consumers.list(stream)) {
      if (await jsm.consumers.delete(stream, info.name).catch(() => false)) deleted++;
    }
  }
  return deleted;
}

async function publish(nc: NatsConnection, prefix: string, count: number, nowMs: number): Promise<void> {
  const js = jetstream(nc);
  for (let from = 0; from < count; from += 500) {
    const acks = [];
    for (let i = from; i < Math.min(count, from + 500); i++) {
      const caller = `23480${String(3_000_000 + (i % 997)).padStart(8, '0')}`;
      const record = cdr(
        `${prefix}-${i}`,
        `+${caller}`,
        `+23481${String(i).padStart(8, '0')}`,
        nowMs - i,
        60,
      );
      acks.push(js.publish(cdrSubject(partitionOf(caller, PARTITIONS)), JSON.stringify(record)));
    }
    await Promise.all(acks);
  }
}

describe('consumers lost while draining a backlog', () => {
  let stack: TestStack;
  let service: Service | undefined;
  let nc: NatsConnection;

  beforeAll(async () => {
    stack = await startTestStack();
    nc = await connect({ servers: stack.natsUrl });
  });

  afterAll(async () => {
    await service?.stop();
    await nc?.close();
    await stack?.cleanup();
  });

  it('re-creates them from the next needed sequence: every record stored exactly once', async () => {
    // The first start creates the streams; the backlog is published while no engine runs.
    await (await startTestService(stack, OVERRIDES)).stop();
    const nowMs = Date.now();
    await publish(nc, 'backlog', 12_000, nowMs);
    // Not startTestService: it waits until the workers are ready, i.e. caught up, and the drain is over by then.
    service = await startService(testConfig(stack, OVERRIDES), {
      logger: pino({ level: 'warn' }),
      version: 'test',
      http: false,
    });
    const pool = service.pool;
    const stored = async (): Promise<number> =>
      Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM call_records')).rows[0]?.n);

    const jsm = await jetstreamManager(nc);
    let deleted = 0;
    await eventually('the drain started', async () => (await stored()) > 0);
    for (let round = 0; round < 4 && (await stored()) < 12_000; round++) {
      deleted += await deleteEveryConsumer(jsm);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(deleted).toBeGreaterThan(0);
    await publish(nc, 'live', 600, Date.now());

    await eventually('every record committed', async () => (await stored()) >= 12_600, 90_000);
    await new Promise((resolve) => setTimeout(resolve, 500)); // a duplicate would land now
    const rows = await pool.query<{ total: string; distinct_ids: string; live: string }>(
      `SELECT count(*) AS total, count(DISTINCT call_id) AS distinct_ids,
              count(*) FILTER (WHERE call_id LIKE 'live-%') AS live FROM call_records`,
    );
    expect(rows.rows[0]).toEqual({ total: '12600', distinct_ids: '12600', live: '600' });
  });
});
