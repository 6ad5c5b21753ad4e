/**
 * `node dist/bench/pipeline/live-latency.js`: publish → alert latency at steady offered rates, with the engine
 * and the publisher each in its own process (steady-publisher.ts, as a switch would be) and this process only
 * listening for alerts (issue 13, goal 4). The engine first drains `--state` events, so it holds that much
 * window state; `--restart` then stops it (final checkpoints), starts it again and, once it says it is ready
 * (state restored from the checkpoints, caught up), offers the last rate for `--restart-seconds`: the first
 * minute of traffic after a restart from checkpoints.
 *
 * Latency = alert receipt here − the publisher's publish time of the CDR the alert names (caller, start), both
 * wall-clock on this machine. `matchedSplitMs` splits the same alerts at the engine's detection (`created_at`,
 * and its own stored → detected): publish → stored (nats-server storing the switch's CDR) and detected → receipt
 * (the sink's commit that must come first, the alert's publish and its delivery here). GC: the engine runs with `--trace-gc`; the share is the summed pauses of all its
 * isolates (main thread and shard workers) over the engine process's CPU time in the window. Pauses are wall
 * time: on a machine with more runnable threads than cores they include time the GC waited for a core.
 *
 * `--publish-only` first runs the publisher at each rate with no engine (its CDRs then wait in the backlog the
 * engine drains): nats-server's CPU per CDR for storing and acknowledging alone.
 *
 *   node dist/bench/pipeline/live-latency.js --state 1000000 --rates 5000,20000 --seconds 20 [--restart]
 *     [--publish-only] [--engine-env SINK_FLUSH_INTERVAL=50ms,…] [--cpu-prof-dir DIR]
 *
 * `--cpu-prof-dir` runs the engine with `--cpu-prof` (one profile per thread, written when it stops).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import pino from 'pino';
import { startNatsServer } from '../../src/embedded/index.js';
import { ensureStreams } from '../../src/stream/index.js';
import type { AlertMessage } from '../../src/windows/index.js';
import { partitionTargets, publishBacklog, readOffsets, targetsReached } from './backlog.js';
import { resultsDir, today, writeResults } from './bench-results.js';
import { sleep, summarizeLatencies } from './bench-stats.js';
import type { EngineOptions } from './engine-run.js';
import { freshLocalDatabase, LOCAL_POSTGRES_ADMIN_URL, postmasterPidOf } from './local-postgres.js';
import { CpuMeter, processCpuSeconds, type ProcessGroups } from './process-usage.js';
import type { BacklogPlan } from './synthetic-cdrs.js';

const HOUR_MS = 3_600_000;
const logger = pino({ level: 'info' }, pino.destination(2));
const wallMs = (): number => performance.timeOrigin + performance.now();
const GC_LINE =
  /^\[\d+:(0x[0-9a-f]+)\]\s+[\d.]+ ms: ([A-Za-z-]+(?: \([a-z ]+\))?).*?MB, ([\d.]+) \/ [\d.]+ ms/;

interface EngineProcess {
  child: ChildProcess;
  /** Resolves when the engine prints `ready` (every worker restored and caught up). */
  ready: Promise<void>;
  /** GC pause ms per isolate since the last `resetGc`. */
  gc: Map<string, { pauses: number; ms: number; maxMs: number; byKind: Record<string, number> }>;
}

function startEngineProcess(options: EngineOptions, cpuProfDir?: string): EngineProcess {
  const script = join(import.meta.dirname, 'engine-process.js');
  const profile = cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`];
  const child = spawn(process.execPath, ['--trace-gc', ...profile, script], {
    env: { ...process.env, BENCH_ENGINE_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const engine: EngineProcess = { child, ready, gc: new Map() };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line === 'ready') markReady();
    const match = GC_LINE.exec(line);
    if (match === null) return;
    const tally = engine.gc.get(match[1]!) ?? { pauses: 0, ms: 0, maxMs: 0, byKind: {} };
    const ms = Number(match[3]);
    tally.pauses++;
    tally.ms += ms;
    tally.maxMs = Math.max(tally.maxMs, ms);
    tally.byKind[match[2]!] = (tally.byKind[match[2]!] ?? 0) + ms;
    engine.gc.set(match[1]!, tally);
  });
  return engine;
}

async function stopEngineProcess(engine: EngineProcess): Promise<void> {
  if (engine.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => engine.child.once('exit', () => resolve()));
  engine.child.kill('SIGTERM');
  await exited;
}

function runPublisher(natsUrl: string, rate: number, seconds: number, tag: string, base: number) {
  const script = join(import.meta.dirname, 'steady-publisher.js');
  const args = [script, '--nats', natsUrl, '--rate', String(rate), '--seconds', String(seconds)];
  args.push('--tag', tag, '--fraudster-base', String(base));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const done = new Promise<{
    sent: number;
    achievedPerSecond: number;
    failed: number;
    fraudstersUsed: number;
    publishTimes: [string, number][];
  }>((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as never) : reject(new Error(`publisher exited with ${code}`)),
    ),
  );
  return { pid: child.pid!, done };
}

async function measureRate(
  ctx: { nc: NatsConnection; natsUrl: string; groups: ProcessGroups; engine: EngineProcess },
  rate: number,
  seconds: number,
  label: string,
  fraudsterBase: number,
) {
  /** First receipt per CDR, with the engine's detection time (`created_at`) and its stored → detected. */
  const received = new Map<string, { at: number; detectedAt: number; storedToDetected: number }>();
  const engineSide: number[] = [];
  const sub = ctx.nc.subscribe('sentinel.alerts.>', {
    callback: (error, msg) => {
      if (error) return;
      const at = wallMs();
      const alert = msg.json<AlertMessage>();
      engineSide.push(alert.event_to_alert_ms);
      const key = `${alert.suspect_number}:${Date.parse(alert.last_event_at)}`;
      if (!received.has(key))
        received.set(key, {
          at,
          detectedAt: Date.parse(alert.created_at),
          storedToDetected: alert.event_to_alert_ms,
        });
    },
  });
  await ctx.nc.flush();
  const loadBefore = loadavg().map((v) => Math.round(v * 100) / 100);
  ctx.engine.gc.clear();
  const enginePid = ctx.engine.child.pid!;
  const meter = new CpuMeter({ ...ctx.groups, nodePids: [enginePid] });
  const engineCpuStart = processCpuSeconds(enginePid);
  const publisher = runPublisher(ctx.natsUrl, rate, seconds, `${label}-${rate}`, fraudsterBase);
  const published = await publisher.done;
  await sleep(2_000); // alerts for the last CDRs
  const cpu = meter.read();
  const engineCpuSeconds = processCpuSeconds(enginePid) - engineCpuStart;
  sub.unsubscribe();
  const latencies: number[] = [];
  // The same alerts' latency split at the engine's detection (all three clocks are this machine's wall clock):
  // publish → stored (nats-server, the publisher's own process), stored → detected (engine), detected → receipt
  // (the sink's commit, the alert's publish and its delivery here).
  const publishToStored: number[] = [];
  const detectedToReceipt: number[] = [];
  for (const [key, sentAt] of published.publishTimes) {
    const alert = received.get(key);
    if (alert === undefined) continue;
    latencies.push(alert.at - sentAt);
    publishToStored.push(Math.max(0, alert.detectedAt - alert.storedToDetected - sentAt));
    detectedToReceipt.push(alert.at - alert.detectedAt);
  }
  const gcMs = [...ctx.engine.gc.values()].reduce((sum, t) => sum + t.ms, 0);
  return {
    label,
    offeredPerSecond: rate,
    achievedPerSecond: published.achievedPerSecond,
    published: published.sent,
    publishFailed: published.failed,
    sdhfPublished: published.publishTimes.length,
    alertsReceived: engineSide.length,
    alertsMatched: latencies.length,
    publishToAlertMs: summarizeLatencies(latencies),
    engineEventToAlertMs: summarizeLatencies(engineSide),
    matchedSplitMs: {
      publishToStored: summarizeLatencies(publishToStored),
      detectedToReceipt: summarizeLatencies(detectedToReceipt),
    },
    gc: {
      pauseMs: Math.round(gcMs),
      engineCpuSeconds: Math.round(engineCpuSeconds * 100) / 100,
      shareOfEngineCpu:
        engineCpuSeconds > 0 ? Math.round((gcMs / 1_000 / engineCpuSeconds) * 1_000) / 1_000 : null,
      byIsolate: Object.fromEntries(ctx.engine.gc),
    },
    cpu,
    loadBefore,
    loadAfter: loadavg().map((v) => Math.round(v * 100) / 100),
    fraudstersUsed: published.fraudstersUsed,
  };
}

/**
 * The publisher alone at `rate`, no engine running: what storing and acknowledging the CDRs costs nats-server,
 * so the engine's runs can be read as publish cost + delivery cost (goal 2 in the live case).
 */
async function measurePublishOnly(
  ctx: { natsUrl: string; groups: ProcessGroups },
  rate: number,
  seconds: number,
  fraudsterBase: number,
) {
  const loadBefore = loadavg().map((v) => Math.round(v * 100) / 100);
  const meter = new CpuMeter(ctx.groups);
  const published = await runPublisher(ctx.natsUrl, rate, seconds, `publish-only-${rate}`, fraudsterBase)
    .done;
  const cpu = meter.read();
  return {
    label: 'publish-only',
    offeredPerSecond: rate,
    achievedPerSecond: published.achievedPerSecond,
    published: published.sent,
    publishFailed: published.failed,
    natsMicrosPerCdr: Math.round(((cpu.natsCores * cpu.seconds) / published.sent) * 1e7) / 10,
    cpu,
    loadBefore,
    loadAfter: loadavg().map((v) => Math.round(v * 100) / 100),
    fraudstersUsed: published.fraudstersUsed,
  };
}

/** `KEY=VALUE,…` engine settings (e.g. `SINK_FLUSH_INTERVAL=50ms`) for an A/B of a setting. */
function engineEnvOf(raw: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of raw.split(',').filter((s) => s.trim() !== '')) {
    const at = pair.indexOf('=');
    if (at < 1) throw new RangeError(`--engine-env takes KEY=VALUE pairs, got ${pair}`);
    env[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return env;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      state: { type: 'string', default: '1000000' },
      rates: { type: 'string', default: '5000,20000' },
      seconds: { type: 'string', default: '20' },
      restart: { type: 'boolean', default: false },
      'publish-only': { type: 'boolean', default: false },
      'engine-env': { type: 'string', default: '' },
      'cpu-prof-dir': { type: 'string' },
      'restart-seconds': { type: 'string', default: '60' },
      partitions: { type: 'string', default: '16' },
      workers: { type: 'string', default: '2' },
      'pg-admin-url': { type: 'string', default: LOCAL_POSTGRES_ADMIN_URL },
      out: { type: 'string' },
    },
  });
  const state = Number(values.state);
  const rates = values.rates.split(',').map(Number);
  const seconds = Number(values.seconds);
  const partitions = Number(values.partitions);
  const startedAt = new Date();
  const dir = mkdtempSync(join(tmpdir(), 'hperf-latency-'));
  const nats = await startNatsServer({ dataDir: join(dir, 'nats'), port: 0, pathEnv: process.env.PATH });
  const nc = await connect({ servers: nats.url, name: 'live-latency' });
  const databaseUrl = await freshLocalDatabase(values['pg-admin-url'], 'hperf_latency', true, logger);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  const groups: ProcessGroups = { natsPid: nats.child.pid, postgresPid: await postmasterPidOf(databaseUrl) };
  const options: EngineOptions = {
    natsUrl: nats.url,
    databaseUrl,
    partitions,
    workers: Number(values.workers),
    consumerGroup: 'latency',
    env: { CDR_STREAM_LAYOUT: 'per-partition', ...engineEnvOf(values['engine-env']) },
  };
  const runs: unknown[] = [];
  let engine: EngineProcess | undefined;
  try {
    const jsm = await jetstreamManager(nc);
    await ensureStreams(
      jsm,
      { partitions, cdrMaxAgeMs: 26 * HOUR_MS, duplicateWindowMs: 120_000, cdrLayout: 'per-partition' },
      logger,
    );
    const nowMs = Date.now();
    const plan: BacklogPlan = {
      seed: 42,
      events: state,
      startMs: nowMs - 23 * HOUR_MS - 10 * 60_000,
      spanMs: 23 * HOUR_MS,
      runTag: String(nowMs % 1_000_000),
    };
    logger.info({ state }, 'publishing the state backlog');
    await publishBacklog(nc, plan, partitions, logger);
    let fraudsterBase = 0;
    if (values['publish-only']) {
      for (const rate of rates) {
        logger.info({ rate }, 'publisher alone, no engine');
        const run = await measurePublishOnly({ natsUrl: nats.url, groups }, rate, seconds, fraudsterBase);
        fraudsterBase += run.fraudstersUsed;
        logger.info({ rate, natsMicrosPerCdr: run.natsMicrosPerCdr }, 'publisher alone done');
        runs.push(run);
        await sleep(3_000);
      }
    }
    const targets = await partitionTargets(nc, partitions);
    engine = startEngineProcess(options, values['cpu-prof-dir']);
    const drainStart = performance.now();
    while (!targetsReached(await readOffsets(pool, 'latency'), targets)) await sleep(200);
    logger.info({ drainMs: Math.round(performance.now() - drainStart) }, 'state drained');
    await sleep(3_000);
    for (const rate of rates) {
      logger.info({ rate }, 'steady run');
      const run = await measureRate(
        { nc, natsUrl: nats.url, groups, engine },
        rate,
        seconds,
        'steady',
        fraudsterBase,
      );
      fraudsterBase += run.fraudstersUsed;
      logger.info({ rate, p50: run.publishToAlertMs.p50, p99: run.publishToAlertMs.p99 }, 'steady run done');
      runs.push(run);
      await sleep(3_000);
    }
    if (values.restart) {
      await stopEngineProcess(engine);
      const restartedAt = performance.now();
      engine = startEngineProcess(options, values['cpu-prof-dir']);
      await engine.ready;
      logger.info({ readyMs: Math.round(performance.now() - restartedAt) }, 'restarted engine ready');
      const rate = rates[rates.length - 1]!;
      logger.info({ rate }, 'run right after a restart from checkpoints');
      const run = await measureRate(
        { nc, natsUrl: nats.url, groups, engine },
        rate,
        Number(values['restart-seconds']),
        'after-restart',
        fraudsterBase,
      );
      logger.info({ rate, p50: run.publishToAlertMs.p50, p99: run.publishToAlertMs.p99 }, 'restart run done');
      runs.push(run);
    }
  } finally {
    if (engine !== undefined) await stopEngineProcess(engine);
    await pool.end();
    await nc.close();
    await nats.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  const output = {
    kind: 'live-latency',
    date: startedAt.toISOString(),
    command: `node dist/bench/pipeline/live-latency.js ${process.argv.slice(2).join(' ')}`.trim(),
    state,
    engineEnv: options.env,
    runs,
  };
  const path = values.out ?? join(resultsDir(), `live-latency-${today()}.json`);
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  logger.info({ path: writeResults(path, output) }, 'results written');
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'live-latency failed');
  process.exit(1);
});
