/**
 * `npm run bench:pipeline`: end-to-end CDRs/s of the real engine draining a backlog, next to the bare
 * ceilings measured in the same run on the same bytes; again with call_records already holding millions of
 * rows; restart-to-ready with the state to replay; the seed's SQL against the live windows; and latency
 * (publish → alert on NATS, publish → row committed) at steady offered rates up to saturation.
 * Prints the results as JSON and writes them to bench/results/. See PIPELINE_USAGE for the flags.
 */
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import pino from 'pino';
import type { Service } from '../../src/engine/index.js';
import { partitionOf } from '../../src/codec/index.js';
import { median } from './bench-stats.js';
import { partitionTargets, prepareStreams, publishBacklog, streamMessages } from './backlog.js';
import { copyLine, measureCopy, type CeilingResult } from './bare-ceiling.js';
import { bareDrain } from './bare-drain.js';
import { cdrLayout } from '../../src/stream/index.js';
import { machineInfo, resultsDir, today, writeResults } from './bench-results.js';
import { startBenchStack, type BenchStack } from './bench-stack.js';
import {
  drainWithEngine,
  restartToReady,
  rowsPerCpuSecond,
  type DrainResult,
  type EngineOptions,
} from './engine-run.js';
import { CpuMeter } from './process-usage.js';
import { parsePipelineArgs, type PipelineArgs } from './pipeline-args.js';
import { preloadCallRecords } from './preload.js';
import { compareSqlWithWindows } from './sql-vs-windows.js';
import { runSteadyLatency, type SteadyRunResult } from './steady-latency.js';
import { backlogRecord, SteadyTraffic, type BacklogPlan } from './synthetic-cdrs.js';

const HOUR_MS = 3_600_000;
const DRAIN_TIMEOUT_MS = 60 * 60_000;
const logger = pino({ level: 'info' }, pino.destination(2));

interface Context {
  args: PipelineArgs;
  stack: BenchStack;
  nc: NatsConnection;
  plan: BacklogPlan;
  results: Record<string, unknown>;
  errors: { phase: string; message: string }[];
}

/** Runs a phase; a failure is recorded (the engine is being integrated) and the benchmark goes on. */
async function phase<T>(ctx: Context, name: string, work: () => Promise<T>): Promise<T | undefined> {
  if (ctx.args.skip.has(name)) return undefined;
  logger.info({ phase: name }, 'phase starting');
  try {
    const value = await work();
    logger.info({ phase: name }, 'phase done');
    return value;
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    logger.error({ phase: name, err: error }, 'phase failed');
    ctx.errors.push({ phase: name, message });
    return undefined;
  }
}

function summarize(runs: CeilingResult[]): { runs: CeilingResult[]; medianPerSecond: number | null } {
  return { runs, medianPerSecond: median(runs.map((r) => r.perSecond)) };
}

/** The COPY-alone input: the backlog's first rows, parsed and encoded ahead of the clock, in 5,000-row batches. */
function encodeCopyBatches(plan: BacklogPlan, rows: number, partitions: number): Buffer[][] {
  const batches: Buffer[][] = [];
  let lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const record = backlogRecord(plan, i);
    lines.push(
      copyLine(
        JSON.parse(record.json) as Record<string, unknown>,
        partitionOf(record.callerDigits, partitions),
        i + 1,
      ),
    );
    if (lines.length === 5_000 || i === rows - 1) {
      batches.push([Buffer.from(lines.join(''), 'utf8')]);
      lines = [];
    }
  }
  return batches;
}

/** Runs a ceiling measurement with the CPU of Node, NATS and Postgres metered around it. */
async function metered(ctx: Context, work: () => Promise<CeilingResult>): Promise<CeilingResult> {
  const meter = new CpuMeter(ctx.stack.groups);
  const result = await work();
  const cpu = meter.read();
  return { ...result, cpu, rowsPerCpuSecond: rowsPerCpuSecond(result.rows, cpu) };
}

/** The bare drain (bare-drain.ts) into the engine's own tables, on the per-partition streams. */
async function bareEngineTable(
  ctx: Context,
  nc: NatsConnection,
  url: string,
  expected: number,
): Promise<CeilingResult> {
  const result = await bareDrain(nc, {
    layout: cdrLayout('per-partition', 'CDR', 'cdr.in'),
    partitions: ctx.args.partitions,
    expected,
    databaseUrl: url,
    table: 'engine',
  });
  return { rows: result.rows, elapsedMs: result.elapsedMs, perSecond: result.perSecond };
}

async function bareCeilings(ctx: Context, expected: number): Promise<void> {
  const { args, stack, nc } = ctx;
  const consume: CeilingResult[] = [];
  const copy: CeilingResult[] = [];
  const consumeCopy: CeilingResult[] = [];
  // (consume alone is no longer measured: the ceiling that matters is consume + COPY, bare-drain.ts)
  const batches = encodeCopyBatches(ctx.plan, args.copyRows, args.partitions);
  for (let run = 0; run < args.runs; run++) {
    const url = await stack.freshDatabase(`bench_copy_${run}`, logger);
    copy.push(await metered(ctx, () => measureCopy(url, batches, args.copyConcurrency)));
  }
  batches.length = 0;
  for (let run = 0; run < args.runs; run++) {
    const url = await stack.freshDatabase(`bench_bare_${run}`, logger);
    consumeCopy.push(await metered(ctx, () => bareEngineTable(ctx, nc, url, expected)));
  }
  ctx.results.bare = {
    consume: summarize(consume),
    copy: summarize(copy),
    consumeCopy: summarize(consumeCopy),
    copyConcurrency: args.copyConcurrency,
  };
}

/**
 * A small pool for the benchmark's own queries. Idle clients get "terminating connection" when the stack
 * stops Postgres at the end; without a listener that error event would crash the run before it writes results.
 */
function benchPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle benchmark database client failed'));
  return pool;
}

function engineOptions(ctx: Context, databaseUrl: string, consumerGroup: string): EngineOptions {
  return {
    natsUrl: ctx.stack.natsUrl,
    databaseUrl,
    partitions: ctx.args.partitions,
    workers: ctx.args.workers,
    consumerGroup,
    logLevel: ctx.args.engineLogLevel,
  };
}

/** Drains the backlog into a fresh database; compares the seed's SQL; restarts. Returns the running engine. */
async function engineDrain(
  ctx: Context,
  expected: number,
): Promise<{ service: Service; pool: pg.Pool; group: string } | undefined> {
  const url = await ctx.stack.freshDatabase('bench_engine', logger);
  const pool = benchPool(url);
  const group = 'bench-drain';
  const options = engineOptions(ctx, url, group);
  const targets = await partitionTargets(ctx.nc, ctx.args.partitions);
  let service: Service | undefined;
  try {
    const drained = await drainWithEngine(
      options,
      pool,
      targets,
      expected,
      ctx.stack.groups,
      DRAIN_TIMEOUT_MS,
    );
    service = drained.service;
    ctx.results.engine = { drain: drained.result };
    const sqlRows = ctx.args.sqlRows.length > 0 ? ctx.args.sqlRows : [expected];
    const comparisons = [];
    for (const rows of sqlRows) {
      // Event times are spread evenly, so a window of rows/events of the span holds ~rows rows.
      const windowMs = rows >= expected ? 24 * HOUR_MS : (ctx.plan.spanMs * rows) / expected;
      comparisons.push(await compareSqlWithWindows(service, pool, windowMs, 3));
    }
    ctx.results.sqlVsWindows = comparisons;
    if (!ctx.args.skip.has('restart')) {
      // A graceful stop writes every partition's checkpoint; the restart resumes from them.
      const restarted = await restartToReady(service, options, DRAIN_TIMEOUT_MS);
      service = restarted.service;
      ctx.results.restart = restarted.result;
    }
    if (!ctx.args.skip.has('restart-cold')) {
      // The same restart with checkpoints off: every partition replays 24 h of the stream.
      const cold = { ...options, env: { ...options.env, CHECKPOINT_INTERVAL: 'off' } };
      const restarted = await restartToReady(service, cold, DRAIN_TIMEOUT_MS);
      service = restarted.service;
      ctx.results.restartCold = restarted.result;
    }
    return { service, pool, group };
  } catch (error) {
    await service?.stop();
    await pool.end();
    throw error;
  }
}

/** Preloads a database, then measures the bare consume + COPY and the engine appending to it. */
async function preloadedDrain(
  ctx: Context,
  expected: number,
): Promise<{ service: Service; pool: pg.Pool; group: string }> {
  const url = await ctx.stack.freshDatabase('bench_preloaded', logger);
  const pool = benchPool(url);
  try {
    const preload = await preloadCallRecords(
      pool,
      ctx.args.preloadRows,
      ctx.plan.startMs,
      ctx.plan.spanMs,
      (done) => logger.info({ done }, 'preloading call_records'),
    );
    const bare = await metered(ctx, () => bareEngineTable(ctx, ctx.nc, url, expected));
    const group = 'bench-preloaded';
    const targets = await partitionTargets(ctx.nc, ctx.args.partitions);
    const drained = await drainWithEngine(
      engineOptions(ctx, url, group),
      pool,
      targets,
      expected,
      ctx.stack.groups,
      DRAIN_TIMEOUT_MS,
    );
    ctx.results.preloaded = { preload, bareConsumeCopy: bare, drain: drained.result };
    return { service: drained.service, pool, group };
  } catch (error) {
    await pool.end();
    throw error;
  }
}

async function latencySweep(
  ctx: Context,
  engine: { service: Service; pool: pg.Pool; group: string },
): Promise<void> {
  const rates = [...new Set([ctx.args.rate, ...ctx.args.sweepRates])].sort((a, b) => a - b);
  const runs: SteadyRunResult[] = [];
  let fraudsterBase = 0;
  let saturatedAt: number | undefined;
  for (const rate of rates) {
    // Past saturation only the headline rate still runs (the issue asks for it whatever the machine does).
    if (saturatedAt !== undefined && rate !== ctx.args.rate) continue;
    const traffic = new SteadyTraffic({
      seed: 7 + rate,
      runTag: `r${rate}`,
      callers: 100_000,
      sdhfShare: 0.05,
      activeFraudsters: 20,
      callsPerFraudster: 210,
      fraudsterBase,
    });
    logger.info({ rate }, 'steady latency run');
    const result = await runSteadyLatency({
      nc: ctx.nc,
      pool: engine.pool,
      consumerGroup: engine.group,
      partitions: ctx.args.partitions,
      ratePerSecond: rate,
      seconds: ctx.args.latencySeconds,
      traffic,
      groups: ctx.stack.groups,
      logger,
      runTag: `r${rate}`,
      pendingBacklog: async () => {
        const health = await engine.service.engine.health();
        return health.workers.reduce(
          (sum, w) => sum + Object.values(w.consumerPending).reduce((a, b) => a + b, 0),
          0,
        );
      },
    });
    fraudsterBase += traffic.fraudstersUsed;
    runs.push(result);
    logger.info(
      {
        rate,
        achieved: result.achievedPerSecond,
        alertP99: result.publishToAlertMs.p99,
        commitP99: result.publishToCommitMs.p99,
      },
      'steady run done',
    );
    saturatedAt ??= result.saturated ? rate : undefined;
    await waitForIdle(engine.service, 30_000);
  }
  ctx.results.latency = {
    headlineRate: ctx.args.rate,
    seconds: ctx.args.latencySeconds,
    saturatedAt: saturatedAt ?? null,
    runs,
  };
}

/** Lets the engine finish the previous run's backlog before the next rate starts. */
async function waitForIdle(service: Service, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const health = await service.engine.health();
    const busy = health.workers.some(
      (w) => w.bufferedRows > 0 || Object.values(w.consumerPending).some((n) => n > 0),
    );
    if (!busy) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function main(): Promise<void> {
  const args = parsePipelineArgs(process.argv.slice(2));
  const startedAt = new Date();
  const stack = await startBenchStack(process.env.PATH);
  const nc = await connect({ servers: stack.natsUrl, name: 'bench-pipeline' });
  const nowMs = Date.now();
  const spanMs = 23 * HOUR_MS;
  const plan: BacklogPlan = {
    seed: 42,
    events: args.events,
    startMs: nowMs - spanMs - 10 * 60_000,
    spanMs,
    runTag: String(nowMs % 1_000_000),
  };
  const ctx: Context = { args, stack, nc, plan, results: {}, errors: [] };
  let engine: { service: Service; pool: pg.Pool; group: string } | undefined;
  try {
    ctx.results.machine = await machineInfo(process.env.PATH, stack.adminUrl);
    await prepareStreams(nc, args.partitions, logger);
    ctx.results.publish = await phase(ctx, 'publish', () =>
      publishBacklog(nc, plan, args.partitions, logger),
    );
    const expected = await streamMessages(nc, args.partitions);
    ctx.results.backlogMessages = expected;
    await phase(ctx, 'bare', () => bareCeilings(ctx, expected));
    engine = await phase(ctx, 'engine', () => engineDrain(ctx, expected));
    if (args.preloadRows > 0 && !args.skip.has('preload')) {
      const previous = engine;
      engine = undefined; // stopped first: the preloaded drain needs the machine to itself
      await previous?.service.stop();
      await previous?.pool.end();
      engine = await phase(ctx, 'preload', () => preloadedDrain(ctx, expected));
    }
    if (engine !== undefined) {
      const running = engine;
      await phase(ctx, 'latency', () => latencySweep(ctx, running));
    }
  } finally {
    await engine?.service.stop().catch(() => undefined);
    await engine?.pool.end().catch(() => undefined);
    await nc.close();
    await stack.stop();
  }
  const output = {
    kind: 'pipeline',
    date: startedAt.toISOString(),
    command: `npm run bench:pipeline -- ${process.argv.slice(2).join(' ')}`.trim(),
    args: { ...args, skip: [...args.skip] },
    ...ctx.results,
    ratios: ratios(ctx.results),
    errors: ctx.errors,
  };
  const label = args.quick ? '-quick' : args.events === 1_000_000 ? '' : `-${args.events}`;
  const path = args.out ?? join(resultsDir(), `pipeline-${today()}${label}.json`);
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  logger.info({ path: writeResults(path, output) }, 'results written');
  if (args.report && !args.quick) {
    const { buildReport } = await import('../report/build-report.js');
    await buildReport();
  }
}

/** Engine rate over the bare consume + COPY ceiling, both measured in this run. */
function ratios(results: Record<string, unknown>): Record<string, number | null> {
  const bareCeiling = (
    results.bare as { consumeCopy: { runs: CeilingResult[]; medianPerSecond: number | null } } | undefined
  )?.consumeCopy;
  const bare = bareCeiling?.medianPerSecond ?? null;
  const bareEfficiency = median(
    (bareCeiling?.runs ?? []).flatMap((r) => (r.rowsPerCpuSecond == null ? [] : [r.rowsPerCpuSecond])),
  );
  const engine = (results.engine as { drain: DrainResult } | undefined)?.drain;
  const preloaded = results.preloaded as { bareConsumeCopy: CeilingResult; drain: DrainResult } | undefined;
  const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
    a == null || b == null || b === 0 ? null : Math.round((a / b) * 1_000) / 1_000;
  return {
    // The bare ceilings start their clocks once their consumer exists; the engine's from its first commit.
    engineToBare: ratio(engine?.perSecondFromFirstCommit, bare),
    engineWithStartupToBare: ratio(engine?.perSecond, bare),
    engineSteadyToBare: ratio(engine?.steadyPerSecond, bare),
    // CDRs per CPU-second of Node + NATS + Postgres: robust to other load on the machine.
    engineToBarePerCpuSecond: ratio(engine?.rowsPerCpuSecond, bareEfficiency),
    preloadedEngineToBare: ratio(preloaded?.drain.perSecondFromFirstCommit, bare),
    preloadedEngineToPreloadedBare: ratio(
      preloaded?.drain.perSecondFromFirstCommit,
      preloaded?.bareConsumeCopy.perSecond,
    ),
    preloadedEngineToPreloadedBarePerCpuSecond: ratio(
      preloaded?.drain.rowsPerCpuSecond,
      preloaded?.bareConsumeCopy.rowsPerCpuSecond,
    ),
  };
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'bench:pipeline failed');
  process.exitCode = 1;
});
