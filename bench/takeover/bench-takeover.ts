/**
 * `npm run bench:takeover`: how long a partition goes without live detection when its owner goes away, with a
 * large window state to move. Prints figures, asserts nothing.
 *
 * One nats-server and one embedded Postgres of its own (bench/pipeline/bench-stack.ts), engines as child
 * processes from dist/ with the production lease term (LEASE_TTL 6 s unless --lease-ttl) and checkpoints in the
 * NATS object store. With the default single partition the whole window state moves at each takeover:
 *
 * 1. Engine A drains a backlog of --events CDRs spread over the last 20 h (all of it stays in the 24 h window)
 *    and checkpoints it; engine B joins as a standby (its share of one partition is none).
 * 2. **Graceful:** SIGTERM to A. A hands the partition off (final commit, final checkpoint, lease deleted); B
 *    claims it, restores the checkpoint and catches up. Breakdown: hand-off (SIGTERM → B holds the lease),
 *    restore (lease → state restored), replay (restored → caught up).
 * 3. **Crash:** engine C joins as a standby; B gets 1,000 live CDRs and checkpoints them, then --tail more are committed
 *    (the tail after the checkpoint), then B is SIGKILLed. C waits for B's lease to age out, claims, restores,
 *    replays the tail. Breakdown: lease expiry wait (SIGKILL → C holds the lease), restore, replay tail.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { NatsConnection } from '@nats-io/nats-core';
import { Objm } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import pino from 'pino';
import { partitionTargets, prepareStreams, publishBacklog, targetsReached } from '../pipeline/backlog.js';
import { startBenchStack } from '../pipeline/bench-stack.js';
import { metricSum, spawnEngineChild, type EngineChild } from './engine-child.js';

const USAGE = 'npm run bench:takeover -- [--events 1000000] [--tail 20000] [--partitions 1] [--lease-ttl 6s]';

interface Takeover {
  kind: 'graceful (SIGTERM)' | 'crash (SIGKILL)';
  /** Ms from the signal to the new owner holding the lease: the hand-off, or the wait for the lease to age out. */
  leaseMs: number;
  restoreMs: number;
  replayMs: number;
  totalMs: number;
  /** Events in the new owner's windows once caught up. */
  windowEvents: number;
  restoredPartitions: number;
}

function options(): { events: number; tail: number; partitions: number; leaseTtl: string } {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '1000000' },
      tail: { type: 'string', default: '20000' },
      partitions: { type: 'string', default: '1' },
      'lease-ttl': { type: 'string', default: '6s' },
    },
  });
  const events = Number(values.events);
  const tail = Number(values.tail);
  const partitions = Number(values.partitions);
  if (![events, tail, partitions].every((n) => Number.isInteger(n) && n > 0)) throw new Error(USAGE);
  return { events, tail, partitions, leaseTtl: values['lease-ttl'] };
}

async function until(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Wall-clock ms at which `engine` reports every partition ready (polled every 25 ms). */
async function whenAllReady(engine: EngineChild, partitions: number): Promise<number> {
  await until(
    `${engine.name} to have every partition caught up`,
    async () =>
      metricSum(await engine.metrics(), 'sentinel_partition_state', { state: 'ready' }) >= partitions,
    300_000,
  );
  return Date.now();
}

/** The step times of the partitions `engine` took over since `sinceMs` (the slowest partition counts). */
async function measureTakeover(
  kind: Takeover['kind'],
  engine: EngineChild,
  sinceMs: number,
  partitions: number,
): Promise<Takeover> {
  const readyAtMs = await whenAllReady(engine, partitions);
  let acquiredAtMs = sinceMs;
  let restoredAtMs = sinceMs;
  for (let partition = 0; partition < partitions; partition++) {
    const acquired = engine.logged('partition lease acquired', sinceMs, partition);
    const restored = engine.logged(
      'partition state restored from its checkpoint; replaying the tail',
      sinceMs,
      partition,
    );
    if (acquired === undefined || restored === undefined)
      throw new Error(`${engine.name} did not log the lease and restore of partition ${partition}`);
    acquiredAtMs = Math.max(acquiredAtMs, acquired.time);
    restoredAtMs = Math.max(restoredAtMs, restored.time);
  }
  // Workers report their window gauges once a second: wait for the new owner's first report.
  let metrics = await engine.metrics();
  const reportBy = Date.now() + 5_000;
  while (metricSum(metrics, 'sentinel_window_events') === 0 && Date.now() < reportBy) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    metrics = await engine.metrics();
  }
  return {
    kind,
    leaseMs: acquiredAtMs - sinceMs,
    restoreMs: restoredAtMs - acquiredAtMs,
    replayMs: readyAtMs - restoredAtMs,
    totalMs: readyAtMs - sinceMs,
    windowEvents: metricSum(metrics, 'sentinel_window_events'),
    restoredPartitions: metricSum(metrics, 'sentinel_checkpoint_restores_total', { result: 'restored' }),
  };
}

/** Resolves once `engine` has written a checkpoint of every partition after this call. */
async function nextCheckpoints(engine: EngineChild, partitions: number): Promise<void> {
  const written = async (): Promise<number> =>
    metricSum(await engine.metrics(), 'sentinel_checkpoints_written_total', { result: 'ok' });
  const before = await written();
  await until(
    `a checkpoint round of ${engine.name}`,
    async () => (await written()) >= before + partitions,
    120_000,
    250,
  );
}

/** Bytes of every checkpoint object now stored (what a restore reads). */
async function checkpointSize(nc: NatsConnection): Promise<number> {
  const bucket = await new Objm(nc).open('SENTINEL_CHECKPOINTS');
  return (await bucket.list()).reduce((sum, info) => sum + info.size, 0);
}

async function main(): Promise<void> {
  const { events, tail, partitions, leaseTtl } = options();
  const logger = pino({ level: 'warn' });
  const loadBefore = loadavg();
  const stack = await startBenchStack(process.env.PATH);
  const engines: EngineChild[] = [];
  try {
    const databaseUrl = await stack.freshDatabase('sentinel_takeover', logger);
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    const nc = await connect({ servers: stack.natsUrl });
    const env = {
      NATS_URL: stack.natsUrl,
      DATABASE_URL: databaseUrl,
      PARTITIONS: String(partitions),
      WORKERS: '1',
      LEASE_TTL: leaseTtl,
      CHECKPOINT_STORE: 'nats',
      CHECKPOINT_INTERVAL: '15s',
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      ENVIRONMENT: 'test',
    };
    const start = async (name: string): Promise<EngineChild> => {
      const engine = await spawnEngineChild(name, env);
      engines.push(engine);
      return engine;
    };
    const committedAll = async (): Promise<boolean> => {
      const targets = await partitionTargets(nc, partitions);
      const rows = await pool.query<{ partition: number; last_seq: string }>(
        'SELECT partition, max(last_seq) AS last_seq FROM sink_offsets GROUP BY partition',
      );
      return targetsReached(new Map(rows.rows.map((row) => [row.partition, Number(row.last_seq)])), targets);
    };

    await prepareStreams(nc, partitions, logger);
    const a = await start('takeover-a');
    const nowMs = Date.now();
    const spanMs = 20 * 3_600_000;
    const published = await publishBacklog(
      nc,
      { seed: 7, events, startMs: nowMs - spanMs - 300_000, spanMs, runTag: 'state' },
      partitions,
      logger,
    );
    const drainStarted = Date.now();
    await until('the backlog to be committed', committedAll, 3_600_000, 500);
    console.log(
      `backlog: ${events} CDRs published in ${(published.elapsedMs / 1_000).toFixed(1)} s, ` +
        `committed ${((Date.now() - drainStarted) / 1_000).toFixed(1)} s after the publish ended`,
    );
    await nextCheckpoints(a, partitions);
    const b = await start('takeover-b');

    const termAtMs = Date.now();
    a.child.kill('SIGTERM');
    const graceful = await measureTakeover('graceful (SIGTERM)', b, termAtMs, partitions);
    await a.exited;

    const seconds = (ms: number): string => (ms / 1_000).toFixed(2);
    const row = (t: Takeover): string =>
      `| ${t.kind} | ${seconds(t.leaseMs)} s | ${seconds(t.restoreMs)} s | ${seconds(t.replayMs)} s | ` +
      `**${seconds(t.totalMs)} s** | ${t.windowEvents.toLocaleString('en-US')} | ${t.restoredPartitions} |`;
    console.log(`graceful: ${row(graceful)}`);

    const c = await start('takeover-c');
    // A checkpoint of B's own (it writes one only when it handled something new), then the tail after it.
    const publishLive = async (seed: number, count: number, runTag: string): Promise<void> => {
      const nowMs = Date.now();
      await publishBacklog(
        nc,
        { seed, events: count, startMs: nowMs - 60_000, spanMs: 60_000, runTag },
        partitions,
        logger,
      );
      await until(`${runTag} to be committed`, committedAll, 600_000, 100);
    };
    await publishLive(8, 1_000, 'pre-tail');
    await nextCheckpoints(b, partitions);
    await publishLive(9, tail, 'tail');
    const killAtMs = Date.now();
    b.child.kill('SIGKILL');
    const crash = await measureTakeover('crash (SIGKILL)', c, killAtMs, partitions);
    const loadAfter = loadavg();
    console.log(
      `\nTakeover, ${partitions} partition(s), LEASE_TTL ${leaseTtl}, checkpoints in the NATS object store`,
    );
    console.log(
      '| stop | lease (hand-off / expiry wait) | restore | replay tail | total | window events | restored |',
    );
    console.log('|---|---|---|---|---|---|---|');
    for (const t of [graceful, crash]) console.log(row(t));
    console.log(`tail replayed after the crash: ${tail} CDRs committed after the last checkpoint`);
    const checkpointBytes = await checkpointSize(nc);
    console.log(
      `checkpoint objects in SENTINEL_CHECKPOINTS: ${(checkpointBytes / 1_048_576).toFixed(1)} MiB`,
    );
    console.log(
      `load average (1/5/15 min) before: ${loadBefore.map((l) => l.toFixed(2)).join(' / ')}, ` +
        `after: ${loadAfter.map((l) => l.toFixed(2)).join(' / ')}`,
    );
    console.log(
      JSON.stringify({ events, tail, partitions, leaseTtl, graceful, crash, loadBefore, loadAfter }),
    );
    await nc.close();
    await pool.end();
  } finally {
    for (const engine of engines) engine.child.kill('SIGKILL');
    await Promise.all(engines.map((engine) => engine.exited));
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
