/**
 * The whole sink against the real server while it goes away and comes back: the buffer fills to its bound
 * (the worker would stop pulling), nothing is lost, and everything lands exactly once after recovery.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresBatchWriter, SinkBuffer } from '../../src/sinks/index.js';
import {
  committedOffsets,
  countRows,
  createMigratedDatabase,
  recordRow,
  silentLogger,
  type MigratedDatabase,
} from './support/sink-fixtures.js';
import { TcpProxy } from './support/tcp-proxy.js';

describe('SinkBuffer with PostgresBatchWriter', () => {
  let database: MigratedDatabase;

  beforeAll(async () => {
    database = await createMigratedDatabase();
  });

  afterAll(async () => {
    await database.close();
  });

  it('stops taking rows while Postgres is down and catches up exactly once when it returns', async () => {
    const target = new URL(database.db.url);
    const proxy = await TcpProxy.start(target.hostname, Number(target.port));
    const writer = new PostgresBatchWriter({
      connectionString: proxy.rewrite(database.db.url),
      consumer: 'outage',
      retryBaseMs: 5,
      retryMaxMs: 30,
      breakerFailureThreshold: 2,
      breakerResetMs: 20,
      logger: silentLogger,
    });
    const acked = new Map<number, number>();
    const buffer = new SinkBuffer({
      writer,
      batchMaxRows: 100,
      flushIntervalMs: 10,
      maxBufferedRows: 1_000,
      logger: silentLogger,
      onCommitted: (offsets) => {
        for (const [partition, seq] of offsets)
          acked.set(partition, Math.max(acked.get(partition) ?? 0, seq));
      },
    });
    try {
      // A worker's loop: add while there is capacity; here Postgres disappears after the first rows.
      let seq = 0;
      const addOne = (): void => {
        seq += 1;
        buffer.addRecord(recordRow(seq % 4, seq, { callId: `outage-${seq}` }));
      };
      for (let i = 0; i < 150; i += 1) addOne();
      await buffer.flush();
      proxy.setUp(false);
      while (buffer.hasCapacity()) addOne();
      expect(buffer.bufferedRows).toBe(1_000);
      const sentWhileDown = seq;

      let resumed = false;
      const capacity = buffer.waitForCapacity().then(() => (resumed = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(resumed).toBe(false);

      proxy.setUp(true);
      await capacity;
      for (let i = 0; i < 50; i += 1) addOne();
      await buffer.close();

      expect(await countRows(database.pool, 'call_records')).toBe(sentWhileDown + 50);
      const distinct = await database.pool.query<{ n: string }>(
        'SELECT count(DISTINCT call_id) AS n FROM call_records',
      );
      expect(Number(distinct.rows[0]?.n)).toBe(seq);
      expect(await committedOffsets(database.pool, 'outage')).toEqual(acked);
      expect(Math.max(...acked.values())).toBe(seq);
    } finally {
      await writer.close();
      await proxy.close();
    }
  });
});
