/**
 * Faults against the real Postgres: a COPY that fails mid-batch, a backend killed mid-COPY, a COMMIT whose
 * reply is lost, a server too slow to answer, a server that is unreachable. The client factory is the only
 * seam: it wraps a real pg.Client to inject the fault; everything else talks to the real server.
 */
import type { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SinkClosedError,
  type Batch,
  type BreakerState,
  type PostgresBatchWriter,
  type PostgresBatchWriterOptions,
} from '../../src/sinks/index.js';
import {
  committedOffsets,
  createMigratedDatabase,
  fastRetryWriter,
  recordRow,
  type MigratedDatabase,
} from './support/sink-fixtures.js';
import { TcpProxy } from './support/tcp-proxy.js';

type Forward = () => unknown;
type Intercept = (client: pg.Client, submitted: unknown, forward: Forward) => unknown;

/** A factory of real clients whose `query` passes through `intercept` first. */
function interceptingFactory(intercept: Intercept): (config: pg.ClientConfig) => pg.Client {
  return (config) => {
    const client = new pg.Client(config);
    const original = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) =>
      intercept(client, args[0], () => original(...args));
    return client;
  };
}

function isCopyInto(submitted: unknown, table: string): submitted is Writable & { text: string } {
  const text = (submitted as { text?: unknown } | null)?.text;
  return typeof text === 'string' && text.startsWith(`COPY ${table} `);
}

const isOffsetCommit = (submitted: unknown): boolean =>
  typeof submitted === 'string' && /;\s*COMMIT\s*$/.test(submitted);

function rowsBatch(partition: number, count: number, prefix: string): Batch {
  const records = Array.from({ length: count }, (_v, i) =>
    recordRow(partition, i + 1, { callId: `${prefix}-${i + 1}` }),
  );
  return { records, alerts: [], deadLetters: [], offsets: new Map() };
}

describe('PostgresBatchWriter under faults', () => {
  let database: MigratedDatabase;

  const countPrefix = async (prefix: string): Promise<{ rows: number; distinct: number }> => {
    const result = await database.pool.query<{ n: string; d: string }>(
      'SELECT count(*) AS n, count(DISTINCT call_id) AS d FROM call_records WHERE call_id LIKE $1',
      [`${prefix}-%`],
    );
    return { rows: Number(result.rows[0]?.n), distinct: Number(result.rows[0]?.d) };
  };

  const writer = (consumer: string, extra: Partial<PostgresBatchWriterOptions> = {}) =>
    fastRetryWriter(database, consumer, extra);

  beforeAll(async () => {
    database = await createMigratedDatabase();
  });

  afterAll(async () => {
    await database.close();
  });

  it('rolls back a COPY that fails mid-batch (CopyFail) and commits the batch once on retry', async () => {
    let injected = false;
    const errors: unknown[] = [];
    const sink = writer('copy-fail', {
      onRetry: (error) => errors.push(error),
      clientFactory: interceptingFactory((_client, submitted, forward) => {
        const result = forward();
        if (!injected && isCopyInto(submitted, 'call_records')) {
          injected = true;
          const write = submitted.write.bind(submitted) as (chunk: unknown) => boolean;
          let chunks = 0;
          submitted.write = ((chunk: unknown) => {
            chunks += 1;
            const ok = write(chunk);
            if (chunks === 2) submitted.destroy(new Error('injected: COPY stream failed mid-batch'));
            return ok;
          }) as typeof submitted.write;
        }
        return result;
      }),
    });
    // ~3,000 rows are several 64 KiB chunks, so the failure lands with part of the batch already sent.
    const stats = await sink.write(rowsBatch(1, 3_000, 'copyfail'));
    await sink.close();
    expect(injected).toBe(true);
    expect(errors).toHaveLength(1);
    expect(stats).toMatchObject({ attempts: 2, recordsWritten: 3_000 });
    expect(await countPrefix('copyfail')).toEqual({ rows: 3_000, distinct: 3_000 });
    expect((await committedOffsets(database.pool, 'copy-fail')).get(1)).toBe(3_000);
  });

  it('reconnects when the backend is terminated mid-COPY and writes the batch exactly once', async () => {
    let terminated = false;
    const errors: unknown[] = [];
    const sink = writer('terminated', {
      onRetry: (error) => errors.push(error),
      clientFactory: interceptingFactory((client, submitted, forward) => {
        const result = forward();
        if (!terminated && isCopyInto(submitted, 'call_records')) {
          terminated = true;
          const pid = (client as unknown as { processID: number }).processID;
          // Hold the first chunk back (no 'drain' will come) and kill the session meanwhile.
          submitted.write = (() => {
            void database.pool.query('SELECT pg_terminate_backend($1)', [pid]);
            return false;
          }) as typeof submitted.write;
        }
        return result;
      }),
    });
    const stats = await sink.write(rowsBatch(2, 2_000, 'terminated'));
    await sink.close();
    expect(terminated).toBe(true);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(stats.recordsWritten).toBe(2_000);
    expect(await countPrefix('terminated')).toEqual({ rows: 2_000, distinct: 2_000 });
  });

  it('writes nothing twice when a COMMIT succeeded but its reply was lost', async () => {
    let lost = false;
    const sink = writer('lost-reply', {
      clientFactory: interceptingFactory((client, submitted, forward) => {
        const result = forward();
        if (lost || !isOffsetCommit(submitted)) return result;
        lost = true;
        return (result as Promise<unknown>).then(() => {
          void client.end();
          throw new Error('injected: connection lost before the COMMIT reply arrived');
        });
      }),
    });
    const stats = await sink.write(rowsBatch(3, 1_000, 'lostreply'));
    await sink.close();
    expect(lost).toBe(true);
    // The retry found the offsets already advanced: every row was committed by the first attempt.
    expect(stats).toMatchObject({ attempts: 2, recordsWritten: 0, recordsSkipped: 1_000 });
    expect(await countPrefix('lostreply')).toEqual({ rows: 1_000, distinct: 1_000 });
    expect((await committedOffsets(database.pool, 'lost-reply')).get(3)).toBe(1_000);
  });

  it('keeps rows and offsets in one transaction: a failed commit leaves neither', async () => {
    const sink: PostgresBatchWriter = writer('atomic', {
      clientFactory: interceptingFactory((_client, submitted, forward) =>
        isOffsetCommit(submitted) ? Promise.reject(new Error('injected: offsets update failed')) : forward(),
      ),
      // Stop after the first failure, so the database shows exactly what the failed attempt left behind.
      onRetry: () => void sink.close(),
    });
    await expect(sink.write(rowsBatch(4, 500, 'atomic'))).rejects.toBeInstanceOf(SinkClosedError);
    expect(await countPrefix('atomic')).toEqual({ rows: 0, distinct: 0 });
    expect(await committedOffsets(database.pool, 'atomic')).toEqual(new Map());
  });

  it('retries a Postgres too slow to answer (statement timeout) until it answers', async () => {
    const blocker = await database.pool.connect();
    try {
      // An uncommitted row in sink_offsets makes the writer's offset lock wait, like a stalled server.
      await blocker.query('BEGIN');
      await blocker.query(`INSERT INTO sink_offsets (consumer, partition, last_seq) VALUES ('slow', 5, 0)`);
      const codes: unknown[] = [];
      const sink = writer('slow', {
        statementTimeoutMs: 200,
        onRetry: (error, attempt) => {
          codes.push((error as { code?: unknown }).code);
          if (attempt === 2) void blocker.query('COMMIT');
        },
      });
      const stats = await sink.write(rowsBatch(5, 300, 'slow'));
      await sink.close();
      expect(codes.slice(0, 2)).toEqual(['57014', '57014']);
      expect(stats.attempts).toBeGreaterThanOrEqual(3);
      expect(await countPrefix('slow')).toEqual({ rows: 300, distinct: 300 });
    } finally {
      blocker.release();
    }
  });

  it('opens the breaker while Postgres is unreachable, then closes it and commits once it is back', async () => {
    const target = new URL(database.db.url);
    const proxy = await TcpProxy.start(target.hostname, Number(target.port));
    try {
      proxy.setUp(false);
      const states: BreakerState[] = [];
      let failures = 0;
      let signalOpen: () => void = () => undefined;
      const opened = new Promise<void>((resolve) => (signalOpen = resolve));
      const sink = writer('breaker', {
        connectionString: proxy.rewrite(database.db.url),
        breakerFailureThreshold: 3,
        breakerResetMs: 30,
        onRetry: () => (failures += 1),
        onBreakerChange: (state) => {
          states.push(state);
          if (state === 'open') signalOpen();
        },
      });
      const pending = sink.write(rowsBatch(6, 400, 'breaker'));
      await opened;
      expect(failures).toBeGreaterThanOrEqual(3);
      proxy.setUp(true);
      const stats = await pending;
      expect(stats.recordsWritten).toBe(400);
      expect(sink.breakerState()).toBe('closed');
      // The trial after the reset may be reported as half-open or go straight to closed, depending on timing.
      expect(states[0]).toBe('open');
      expect(states.at(-1)).toBe('closed');
      // While open the writer waited instead of trying: every refused connection was a counted attempt.
      expect(proxy.connectionsRefused).toBe(failures);
      await sink.close();
      expect(await countPrefix('breaker')).toEqual({ rows: 400, distinct: 400 });
    } finally {
      await proxy.close();
    }
  });

  it('stops retrying on close: the pending write rejects and nothing is committed', async () => {
    const target = new URL(database.db.url);
    const proxy = await TcpProxy.start(target.hostname, Number(target.port));
    try {
      proxy.setUp(false);
      let signalFailure: () => void = () => undefined;
      const failed = new Promise<void>((resolve) => (signalFailure = resolve));
      const sink = writer('closing', {
        connectionString: proxy.rewrite(database.db.url),
        onRetry: () => signalFailure(),
      });
      const pending = sink.write(rowsBatch(7, 10, 'closing'));
      await failed;
      await sink.close();
      await expect(pending).rejects.toBeInstanceOf(SinkClosedError);
      expect(await countPrefix('closing')).toEqual({ rows: 0, distinct: 0 });
    } finally {
      await proxy.close();
    }
  });

  it('recovers when its idle connection was terminated between batches', async () => {
    const sink = writer('idle-kill');
    await sink.write(rowsBatch(8, 10, 'idlekill'));
    await database.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sentinel-sink:idle-kill'`,
    );
    const next = Array.from({ length: 10 }, (_v, i) =>
      recordRow(8, i + 11, { callId: `idlekill-${i + 11}` }),
    );
    await sink.write({ records: next, alerts: [], deadLetters: [], offsets: new Map() });
    await sink.close();
    expect(await countPrefix('idlekill')).toEqual({ rows: 20, distinct: 20 });
  });
});
