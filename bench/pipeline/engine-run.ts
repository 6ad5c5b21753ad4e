/**
 * The real engine in this process (`startService`: shard worker threads, NATS consumers, COPY sink) against
 * the benchmark's servers: draining a backlog, restarting with state to replay, and reading its footprint.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type pg from 'pg';
import { loadConfig } from '../../src/config/index.js';
import { startService, type Service } from '../../src/engine/index.js';
import { perSecond, sleep } from './bench-stats.js';
import { readOffsets, targetsReached } from './backlog.js';
import { CpuMeter, rssBytes, type CpuUsage, type ProcessGroups } from './process-usage.js';

export interface EngineOptions {
  natsUrl: string;
  databaseUrl: string;
  partitions: number;
  workers: number;
  consumerGroup: string;
  /** Extra environment for loadConfig (thresholds, allowlist, windows). */
  env?: Record<string, string>;
  logLevel?: string;
}

/** Benchmarks never read or write the checkpoints of a developer's own `npm start` (`.data/checkpoints`). */
let benchCheckpointDir: string | undefined;

export async function startEngine(options: EngineOptions): Promise<Service> {
  benchCheckpointDir ??= mkdtempSync(join(tmpdir(), 'sentinel-bench-checkpoints-'));
  const config = loadConfig({
    CHECKPOINT_DIR: benchCheckpointDir,
    NATS_URL: options.natsUrl,
    DATABASE_URL: options.databaseUrl,
    PARTITIONS: String(options.partitions),
    WORKERS: String(options.workers),
    LOG_LEVEL: options.logLevel ?? 'warn',
    LOG_FORMAT: 'json',
    ENVIRONMENT: 'test',
    DEMO: 'false',
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    ...options.env,
  });
  return await startService(config, {
    // stderr: stdout carries the benchmark's JSON.
    logger: pino({ level: config.logLevel }, pino.destination(2)),
    version: 'bench',
    http: false,
    consumerGroup: options.consumerGroup,
  });
}

/** Sum of every sample of a counter in Prometheus text (all label sets). */
export function counterTotal(metricsText: string, name: string): number {
  let total = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return total;
}

export interface WindowFootprint {
  callers: number;
  eventsHeld: number;
  bytes: number;
}

export async function windowFootprint(service: Service): Promise<WindowFootprint> {
  const health = await service.engine.health();
  const total = { callers: 0, eventsHeld: 0, bytes: 0 };
  for (const worker of health.workers) {
    total.callers += worker.window.callers;
    total.eventsHeld += worker.window.eventsHeld;
    total.bytes += worker.window.bytes;
  }
  return total;
}

export interface DrainResult {
  events: number;
  /** From the startService() call to the last partition's offsets reaching their targets. */
  elapsedMs: number;
  perSecond: number;
  /** From the startService() call to the first committed batch (worker start-up, consumer positioning). */
  firstCommitMs: number;
  /** Events over the time from the first commit to the last: the drain without the engine's start-up. */
  perSecondFromFirstCommit: number;
  cpuFromFirstCommit: CpuUsage;
  /** Rows/s between 10% and 90% of the rows committed, by the sink's own counter (reported once a second). */
  steadyPerSecond: number | null;
  /** Rows per CPU-second of Node + NATS + Postgres together from the first commit: comparable on a busy machine. */
  rowsPerCpuSecond: number | null;
  /** [seconds since start, rows committed by the sink's counter], about once a second. */
  timeline: [number, number][];
  /** Rows the engine's own `sentinel_copy_rows_total` counted by the end (it lags by up to a report, ~1 s). */
  copyRowsCounted: number;
  startupMs: number;
  cpu: CpuUsage;
  rssBeforeBytes: number;
  rssPeakBytes: number;
  rssAfterBytes: number;
  window: WindowFootprint;
  /** Bytes of window state per windowed event, as the engine accounts it. */
  windowBytesPerEvent: number | null;
  /** RSS growth over the run per windowed event (includes everything else the engine allocated). */
  rssDeltaBytesPerEvent: number | null;
}

/**
 * Starts the engine over an already filled stream and waits until `consumerGroup` committed every target.
 * Leaves the engine running and returns it with the figures.
 */
export async function drainWithEngine(
  options: EngineOptions,
  pool: pg.Pool,
  targets: ReadonlyMap<number, number>,
  events: number,
  groups: ProcessGroups,
  timeoutMs: number,
): Promise<{ service: Service; result: DrainResult }> {
  const rssBeforeBytes = rssBytes();
  const meter = new CpuMeter(groups);
  const started = performance.now();
  const service = await startEngine(options);
  const startupMs = performance.now() - started;
  let rssPeakBytes = rssBytes();
  const samples: { atMs: number; rows: number }[] = [];
  const deadline = started + timeoutMs;
  let firstCommitMs: number | undefined;
  let meterFromFirstCommit: CpuMeter | undefined;
  for (;;) {
    rssPeakBytes = Math.max(rssPeakBytes, rssBytes());
    samples.push({
      atMs: performance.now(),
      rows: counterTotal(await service.metrics.text(), 'sentinel_copy_rows_total'),
    });
    const committed = await readOffsets(pool, options.consumerGroup);
    if (firstCommitMs === undefined && [...committed.values()].some((seq) => seq > 0)) {
      firstCommitMs = performance.now();
      meterFromFirstCommit = new CpuMeter(groups);
    }
    if (targetsReached(committed, targets)) break;
    if (performance.now() > deadline) {
      await service.stop();
      throw new Error(`engine did not drain ${events} events within ${timeoutMs} ms`);
    }
    await sleep(100);
  }
  const endMs = performance.now();
  const elapsedMs = endMs - started;
  const cpu = meter.read();
  const cpuFromFirstCommit = meterFromFirstCommit?.read() ?? cpu;
  const fromFirstCommitMs = endMs - (firstCommitMs ?? started);
  await sleep(1_200); // one worker metrics report, so the footprint covers the last batch
  const window = await windowFootprint(service);
  const rssAfterBytes = rssBytes();
  rssPeakBytes = Math.max(rssPeakBytes, rssAfterBytes);
  return {
    service,
    result: {
      events,
      elapsedMs: Math.round(elapsedMs),
      perSecond: perSecond(events, elapsedMs),
      firstCommitMs: Math.round((firstCommitMs ?? endMs) - started),
      perSecondFromFirstCommit: perSecond(events, fromFirstCommitMs),
      steadyPerSecond: steadyRate(samples, events),
      rowsPerCpuSecond: rowsPerCpuSecond(events, cpuFromFirstCommit),
      cpuFromFirstCommit,
      timeline: timeline(samples, started),
      copyRowsCounted: counterTotal(await service.metrics.text(), 'sentinel_copy_rows_total'),
      startupMs: Math.round(startupMs),
      cpu,
      rssBeforeBytes,
      rssPeakBytes,
      rssAfterBytes,
      window,
      windowBytesPerEvent: window.eventsHeld > 0 ? Math.round(window.bytes / window.eventsHeld) : null,
      rssDeltaBytesPerEvent:
        window.eventsHeld > 0 ? Math.round((rssAfterBytes - rssBeforeBytes) / window.eventsHeld) : null,
    },
  };
}

export function rowsPerCpuSecond(rows: number, cpu: CpuUsage): number | null {
  const cpuSeconds = cpu.seconds * (cpu.nodeCores + cpu.natsCores + cpu.postgresCores);
  return cpuSeconds > 0 ? Math.round(rows / cpuSeconds) : null;
}

function timeline(samples: readonly { atMs: number; rows: number }[], startedMs: number): [number, number][] {
  const points: [number, number][] = [];
  let lastMs = Number.NEGATIVE_INFINITY;
  for (const sample of samples) {
    if (sample.atMs - lastMs < 1_000) continue;
    lastMs = sample.atMs;
    points.push([Math.round((sample.atMs - startedMs) / 100) / 10, sample.rows]);
  }
  return points;
}

/** Rate between the samples where 10% and 90% of `events` had been committed (from the sink's counter). */
function steadyRate(samples: readonly { atMs: number; rows: number }[], events: number): number | null {
  const first = samples.find((s) => s.rows >= events * 0.1);
  const last = samples.find((s) => s.rows >= events * 0.9);
  if (first === undefined || last === undefined || last.atMs <= first.atMs) return null;
  return perSecond(last.rows - first.rows, last.atMs - first.atMs);
}

export interface RestartResult {
  /** The previous engine's graceful stop, its final checkpoints included. */
  stopMs: number;
  /** startService() call to every worker ready (windows restored and/or rebuilt from the stream). */
  readyMs: number;
  /** Partitions resumed from a checkpoint; the others replayed 24 h. */
  partitionsRestored: number;
  eventsReplayed: number;
  replayPerSecond: number;
  window: WindowFootprint;
}

/** Stops `service`, starts a new one with the same options and times it to ready. */
export async function restartToReady(
  service: Service,
  options: EngineOptions,
  timeoutMs: number,
): Promise<{ service: Service; result: RestartResult }> {
  const stopping = performance.now();
  await service.stop();
  const stopMs = performance.now() - stopping;
  const started = performance.now();
  const next = await startEngine(options);
  const ready = await next.whenReady(timeoutMs);
  const readyMs = performance.now() - started;
  if (!ready) {
    await next.stop();
    throw new Error(`engine not ready ${timeoutMs} ms after restart`);
  }
  await sleep(1_200);
  const window = await windowFootprint(next);
  const metricsText = await next.metrics.text();
  const replayed = counterTotal(metricsText, 'sentinel_replay_records_total');
  const restored = metricsText
    .split('\n')
    .filter((line) => line.startsWith('sentinel_checkpoint_restores_total{result="restored"}'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  return {
    service: next,
    result: {
      stopMs: Math.round(stopMs),
      readyMs: Math.round(readyMs),
      partitionsRestored: restored,
      eventsReplayed: replayed,
      replayPerSecond: perSecond(replayed, readyMs),
      window,
    },
  };
}
