/**
 * `node dist/bench/pipeline/drain-ceiling.js`: the engine's backlog drain against the bare drain ceiling
 * (bare-drain.ts), side by side in one run, per stream layout (one stream per partition, the v1 single
 * stream), with 1..n engine instances as separate processes, with the CPU of Node, nats-server and Postgres
 * (issue 13, goals 1 and 2). Its own nats-server; Postgres is the local server (as the reference ceiling's),
 * fresh `hperf_*` databases per phase. Writes JSON to bench/results/ (or --out) and prints it.
 *
 *   node dist/bench/pipeline/drain-ceiling.js --events 1000000 --layouts per-partition,single --runs 3 \
 *     --instances 1,2,3 --phases bare-plain,bare-engine,engine [--cpu-prof-dir /tmp/prof] [--engine-env K=V,…]
 *     [--record-shape full|slim] [--trust-acks]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import pino from 'pino';
import { startNatsServer } from '../../src/embedded/index.js';
import { cdrLayout, ensureStreams, type CdrLayoutKind } from '../../src/stream/index.js';
import type { BareDrainResult, BareTable } from './bare-drain.js';
import type { BareDrainProcessOptions } from './bare-drain-process.js';
import { median, sleep } from './bench-stats.js';
import { publishBacklog } from './backlog.js';
import { resultsDir, today, writeResults } from './bench-results.js';
import { readOffsets, targetsReached } from './backlog.js';
import { rowsPerCpuSecond, type EngineOptions } from './engine-run.js';
import {
  dropLocalDatabases,
  freshLocalDatabase,
  LOCAL_POSTGRES_ADMIN_URL,
  postmasterPidOf,
} from './local-postgres.js';
import { CpuMeter, type CpuUsage, type ProcessGroups } from './process-usage.js';
import type { BacklogPlan, RecordShape } from './synthetic-cdrs.js';

const HOUR_MS = 3_600_000;
const logger = pino({ level: 'info' }, pino.destination(2));

interface Args {
  events: number;
  layouts: CdrLayoutKind[];
  runs: number;
  instances: number[];
  phases: string[];
  partitions: number;
  workers: number;
  pgAdminUrl: string;
  cpuProfDir: string | undefined;
  /** `name=dir` pairs: engine builds to compare (each `dir/bench/pipeline/engine-process.js`); default this build. */
  engines: { name: string; dist: string }[];
  engineEnv: Record<string, string>;
  out: string | undefined;
  label: string;
  /** `full` (the contract's fourteen fields) or `slim` (the reference's nine; see synthetic-cdrs.ts). */
  recordShape: RecordShape;
  /** The bare drain into the plain table skips its sequence checks and trusts AckAll, as the reference does. */
  trustAcks: boolean;
}

function parse(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string', default: '1000000' },
      layouts: { type: 'string', default: 'per-partition,single' },
      runs: { type: 'string', default: '3' },
      instances: { type: 'string', default: '1' },
      phases: { type: 'string', default: 'bare-plain,bare-engine,engine' },
      partitions: { type: 'string', default: '16' },
      workers: { type: 'string', default: '2' },
      'pg-admin-url': { type: 'string', default: LOCAL_POSTGRES_ADMIN_URL },
      'cpu-prof-dir': { type: 'string' },
      'engine-env': { type: 'string', default: '' },
      engines: { type: 'string', default: '' },
      out: { type: 'string' },
      label: { type: 'string', default: '' },
      'record-shape': { type: 'string', default: 'full' },
      'trust-acks': { type: 'boolean', default: false },
    },
  });
  const list = (raw: string): string[] =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  const engineEnv: Record<string, string> = {};
  for (const pair of list(values['engine-env'])) {
    const at = pair.indexOf('=');
    if (at < 1) throw new RangeError(`--engine-env takes KEY=VALUE pairs, got ${pair}`);
    engineEnv[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return {
    events: Number(values.events.replace(/_/g, '')),
    layouts: list(values.layouts) as CdrLayoutKind[],
    runs: Number(values.runs),
    instances: list(values.instances).map(Number),
    phases: list(values.phases),
    partitions: Number(values.partitions),
    workers: Number(values.workers),
    pgAdminUrl: values['pg-admin-url'],
    cpuProfDir: values['cpu-prof-dir'],
    engines: list(values.engines).map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new RangeError(`--engines takes name=dist-dir pairs, got ${pair}`);
      return { name: pair.slice(0, at), dist: pair.slice(at + 1) };
    }),
    engineEnv,
    out: values.out,
    label: values.label,
    recordShape: recordShapeOf(values['record-shape']),
    trustAcks: values['trust-acks'],
  };
}

function recordShapeOf(value: string): RecordShape {
  if (value === 'full' || value === 'slim') return value;
  throw new RangeError(`--record-shape takes full or slim, got ${value}`);
}

interface Measurement {
  layout: CdrLayoutKind;
  phase: string;
  instances: number;
  run: number;
  rows: number;
  elapsedMs: number;
  perSecond: number;
  /** Engine only: from the first committed offset to the last (start-up excluded, as the bare's clock). */
  perSecondFromFirstCommit?: number;
  firstCommitMs?: number;
  cpu: CpuUsage;
  rowsPerCpuSecond: number | null;
  natsMicrosPerCdr: number;
  /** Bare drain only: deliveries seen twice (skipped by sequence). */
  redelivered?: number;
  /** Engine only: what call_records held at the end. */
  stored?: { rows: number; distinctCallIds: number };
  loadBefore: number[];
  loadAfter: number[];
}

const load = (): number[] => loadavg().map((v) => Math.round(v * 100) / 100);

/** Last stored sequence of every partition, in either layout. */
async function targetsOf(
  nc: NatsConnection,
  kind: CdrLayoutKind,
  partitions: number,
): Promise<Map<number, number>> {
  const jsm = await jetstreamManager(nc);
  const layout = cdrLayout(kind, 'CDR', 'cdr.in');
  const targets = new Map<number, number>();
  for (let p = 0; p < partitions; p++) {
    const filter = layout.filterOf(p);
    if (filter === undefined) {
      targets.set(p, (await jsm.streams.info(layout.streamOf(p))).state.last_seq);
    } else {
      const msg = await jsm.streams
        .getMessage(layout.streamOf(p), { last_by_subj: filter })
        .catch(() => null);
      targets.set(p, msg?.seq ?? 0);
    }
  }
  return targets;
}

/** Runs the bare drain in a fresh process (bare-drain-process.ts) and returns what it measured. */
function bareDrainProcess(
  options: BareDrainProcessOptions,
): Promise<{ result: BareDrainResult; cpu: CpuUsage }> {
  const script = join(import.meta.dirname, 'bare-drain-process.js');
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, BENCH_BARE_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as { result: BareDrainResult; cpu: CpuUsage })
        : reject(new Error(`the bare drain process exited with ${code}`)),
    ),
  );
}

function spawnEngine(
  options: EngineOptions,
  instance: number,
  cpuProfDir: string | undefined,
  dist: string | undefined,
): ChildProcess {
  const script =
    dist === undefined
      ? join(import.meta.dirname, 'engine-process.js')
      : join(dist, 'bench', 'pipeline', 'engine-process.js');
  const execArgv = cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`];
  const env = { ...options.env, INSTANCE_NAME: `bench-${instance}` };
  return spawn(process.execPath, [...execArgv, script], {
    env: { ...process.env, BENCH_ENGINE_OPTIONS: JSON.stringify({ ...options, env }) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function stopEngines(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
}

let drains = 0;

/** Rows in call_records and distinct call ids among them: with several instances, each CDR stored once. */
async function storedRows(pool: pg.Pool): Promise<{ rows: number; distinctCallIds: number }> {
  const { rows } = await pool.query<{ n: string; d: string }>(
    'SELECT count(*) AS n, count(DISTINCT call_id) AS d FROM call_records',
  );
  return { rows: Number(rows[0]!.n), distinctCallIds: Number(rows[0]!.d) };
}

async function engineDrain(
  ctx: { args: Args; natsUrl: string; groups: ProcessGroups; nc: NatsConnection },
  kind: CdrLayoutKind,
  instances: number,
  run: number,
  expected: number,
  dist: string | undefined,
): Promise<Omit<Measurement, 'layout' | 'phase' | 'instances' | 'run' | 'loadBefore' | 'loadAfter'>> {
  const { args } = ctx;
  const group = `drain-${kind}-${instances}-${run}-${Date.now().toString(36)}`;
  // A database per drain: a previous engine still letting go of its connections never meets a DROP.
  const url = await freshLocalDatabase(args.pgAdminUrl, `hperf_engine_${++drains}`, true, logger);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle drain-poll client failed'));
  const targets = await targetsOf(ctx.nc, kind, args.partitions);
  const options: EngineOptions = {
    natsUrl: ctx.natsUrl,
    databaseUrl: url,
    partitions: args.partitions,
    workers: args.workers,
    consumerGroup: group,
    env: { CDR_STREAM_LAYOUT: kind, ...args.engineEnv },
  };
  const started = performance.now();
  const children = Array.from({ length: instances }, (_, k) =>
    spawnEngine(options, k + 1, args.cpuProfDir, dist),
  );
  const groups = { ...ctx.groups, nodePids: children.map((c) => c.pid!) };
  const meter = new CpuMeter(groups);
  let firstCommit: { atMs: number; meter: CpuMeter } | undefined;
  try {
    for (;;) {
      const committed = await readOffsets(pool, group);
      if (firstCommit === undefined && [...committed.values()].some((seq) => seq > 0))
        firstCommit = { atMs: performance.now(), meter: new CpuMeter(groups) };
      if (targetsReached(committed, targets)) break;
      if (children.some((c) => c.exitCode !== null))
        throw new Error('an engine process exited during the drain');
      await sleep(50);
    }
    const endMs = performance.now();
    const cpu = (firstCommit?.meter ?? meter).read();
    const fromFirst = endMs - (firstCommit?.atMs ?? started);
    return {
      rows: expected,
      elapsedMs: Math.round(endMs - started),
      perSecond: Math.round((expected * 1_000) / (endMs - started)),
      perSecondFromFirstCommit: Math.round((expected * 1_000) / fromFirst),
      firstCommitMs: Math.round((firstCommit?.atMs ?? endMs) - started),
      cpu,
      rowsPerCpuSecond: rowsPerCpuSecond(expected, cpu),
      natsMicrosPerCdr: Math.round(((cpu.natsCores * cpu.seconds) / expected) * 1e7) / 10,
      stored: await storedRows(pool),
    };
  } finally {
    await stopEngines(children);
    await pool.end();
  }
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const startedAt = new Date();
  const measurements: Measurement[] = [];
  const publishes: unknown[] = [];
  const postgresPid = await postmasterPidOf(args.pgAdminUrl);
  for (const kind of args.layouts) {
    const dir = mkdtempSync(join(tmpdir(), 'hperf-drain-'));
    const nats = await startNatsServer({ dataDir: join(dir, 'nats'), port: 0, pathEnv: process.env.PATH });
    const nc = await connect({ servers: nats.url, name: 'drain-ceiling' });
    const groups: ProcessGroups = { natsPid: nats.child.pid, postgresPid };
    try {
      const jsm = await jetstreamManager(nc);
      await ensureStreams(
        jsm,
        {
          partitions: args.partitions,
          cdrMaxAgeMs: 26 * HOUR_MS,
          duplicateWindowMs: 120_000,
          cdrLayout: kind,
        },
        logger,
      );
      const nowMs = Date.now();
      const plan: BacklogPlan = {
        seed: 42,
        events: args.events,
        startMs: nowMs - 23 * HOUR_MS - 10 * 60_000,
        spanMs: 23 * HOUR_MS,
        runTag: String(nowMs % 1_000_000),
        shape: args.recordShape,
      };
      logger.info({ kind, events: args.events }, 'publishing the backlog');
      publishes.push({ layout: kind, ...(await publishBacklog(nc, plan, args.partitions, logger)) });
      // nats-server keeps writing the store for a moment after the last PubAck: not the first phase's bill.
      await sleep(5_000);
      const expected = [...(await targetsOf(nc, kind, args.partitions)).values()].reduce((a, b) => a + b, 0);
      const expectedMessages = kind === 'single' ? (await jsm.streams.info('CDR')).state.messages : expected;
      for (let run = 1; run <= args.runs; run++) {
        for (const phase of args.phases) {
          const counts = phase === 'engine' ? args.instances : [0];
          const builds: ({ name: string; dist: string } | undefined)[] =
            phase === 'engine' && args.engines.length > 0 ? args.engines : [undefined];
          for (const build of builds)
            for (const instances of counts) {
              const loadBefore = load();
              logger.info({ kind, phase, instances, run }, 'measuring');
              let m: Omit<Measurement, 'layout' | 'phase' | 'instances' | 'run' | 'loadBefore' | 'loadAfter'>;
              if (phase === 'engine') {
                m = await engineDrain(
                  { args, natsUrl: nats.url, groups, nc },
                  kind,
                  instances,
                  run,
                  expectedMessages,
                  build?.dist,
                );
              } else {
                const table: BareTable = phase === 'bare-plain' ? 'plain' : 'engine';
                const url = await freshLocalDatabase(
                  args.pgAdminUrl,
                  `hperf_bare_${table}`,
                  table === 'engine',
                  logger,
                );
                const { result: r, cpu } = await bareDrainProcess({
                  natsUrl: nats.url,
                  layout: kind,
                  drain: {
                    partitions: args.partitions,
                    expected: expectedMessages,
                    databaseUrl: url,
                    table,
                    checkSequences: !args.trustAcks,
                  },
                  groups,
                });
                m = {
                  rows: r.rows,
                  elapsedMs: r.elapsedMs,
                  perSecond: r.perSecond,
                  redelivered: r.redelivered,
                  cpu,
                  rowsPerCpuSecond: rowsPerCpuSecond(r.rows, cpu),
                  natsMicrosPerCdr: Math.round(((cpu.natsCores * cpu.seconds) / r.rows) * 1e7) / 10,
                };
              }
              const full: Measurement = {
                layout: kind,
                phase: build === undefined ? phase : `${phase}:${build.name}`,
                instances,
                run,
                ...m,
                loadBefore,
                loadAfter: load(),
              };
              logger.info(full, 'measured');
              measurements.push(full);
            }
        }
      }
    } finally {
      await nc.close();
      await nats.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  await dropLocalDatabases(args.pgAdminUrl, 'hperf_engine_');
  const output = {
    kind: 'drain-ceiling',
    date: startedAt.toISOString(),
    command: `node dist/bench/pipeline/drain-ceiling.js ${process.argv.slice(2).join(' ')}`.trim(),
    args,
    publishes,
    measurements,
    summary: summarize(measurements),
  };
  const path =
    args.out ?? join(resultsDir(), `drain-ceiling-${today()}${args.label ? `-${args.label}` : ''}.json`);
  process.stdout.write(`${JSON.stringify(output.summary, null, 2)}\n`);
  logger.info({ path: writeResults(path, output) }, 'results written');
}

/** Medians per (layout, phase, instances), and the engine over each bare ceiling of its layout. */
function summarize(ms: readonly Measurement[]): Record<string, unknown>[] {
  const keyOf = (m: Measurement): string => `${m.layout}|${m.phase}|${m.instances}`;
  const keys = [...new Set(ms.map(keyOf))];
  const rows = keys.map((key) => {
    const group = ms.filter((m) => keyOf(m) === key);
    const first = group[0]!;
    const med = (f: (m: Measurement) => number | null | undefined): number | null =>
      median(
        group.flatMap((m) => {
          const v = f(m);
          return v == null ? [] : [v];
        }),
      );
    return {
      layout: first.layout,
      phase: first.phase,
      instances: first.instances,
      runs: group.length,
      perSecond: med((m) => m.perSecondFromFirstCommit ?? m.perSecond),
      perSecondWithStartup: med((m) => m.perSecond),
      rowsPerCpuSecond: med((m) => m.rowsPerCpuSecond),
      natsMicrosPerCdr: med((m) => m.natsMicrosPerCdr),
      nodeCores: med((m) => m.cpu.nodeCores),
      natsCores: med((m) => m.cpu.natsCores),
      postgresCores: med((m) => m.cpu.postgresCores),
    };
  });
  for (const row of rows) {
    if (!row.phase.startsWith('engine')) continue;
    for (const bare of ['bare-plain', 'bare-engine']) {
      const b = rows.find((r) => r.layout === row.layout && r.phase === bare);
      if (b?.perSecond && row.perSecond)
        Object.assign(row, { [`to_${bare}`]: Math.round((row.perSecond / b.perSecond) * 1000) / 1000 });
      if (b?.rowsPerCpuSecond && row.rowsPerCpuSecond)
        Object.assign(row, {
          [`perCpu_to_${bare}`]: Math.round((row.rowsPerCpuSecond / b.rowsPerCpuSecond) * 1000) / 1000,
        });
    }
  }
  return rows;
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'drain-ceiling failed');
  process.exit(1);
});
