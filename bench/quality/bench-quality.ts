/**
 * `npm run bench:quality`: a simulated day of a 1M-subscriber network (loadtest/lib's generator: ordinary
 * subscribers, SDHF callers, SIM boxes, and look-alike traps) through the real pipeline, scored against the
 * ground truth — precision and recall per class of caller, false positives per trap class, time to detect —
 * next to the predecessor's hourly batch SQL on the same records. Cases (docs/adr/0010-cases.md): case rows per
 * fraudulent caller per simulated day, case events per fraudster and whether the first case event comes on the
 * CDR of the first alert — from the pipeline's `sentinel.cases.>` messages when the sink publishes them, and
 * always from the same day replayed through the engine in this process (case-replay.ts, the default settings).
 * Prints JSON, writes bench/results/.
 *
 *   npm run bench:quality -- [--quick] [--subscribers 1000000] [--seed 20261125] [--out file] [--no-report]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import pino from 'pino';
import { FLASH_CALL_PREFIX, generateTraffic } from '../../src/traffic/index.js';
import { partitionTargets, offsetsReached, prepareStreams } from '../pipeline/backlog.js';
import { perSecond, sleep, summarizeLatencies } from '../pipeline/bench-stats.js';
import { machineInfo, resultsDir, today, writeResults } from '../pipeline/bench-results.js';
import { startBenchStack } from '../pipeline/bench-stack.js';
import { startEngine } from '../pipeline/engine-run.js';
import { CpuMeter } from '../pipeline/process-usage.js';
import { runHourlyBatch } from './batch-baseline.js';
import { scoreDetector, TTD_BUCKETS_MIN, type DetectorView } from './scoring.js';
import { collectAlerts, collectCaseKeys, runSimulatedDay, type ReceivedAlert } from './simulated-day.js';
import { DEFAULT_CASE_SETTINGS } from '../../src/windows/index.js';
import { decodeDay, replayCases } from './case-replay.js';

const HOUR_MS = 3_600_000;
const PARTITIONS = 16;
const GROUP = 'quality';
const THRESHOLDS = { minUniqueDestinations: 50, maxAvgDurationSeconds: 3.0 };
const logger = pino({ level: 'info' }, pino.destination(2));

function parseQualityArgs(argv: readonly string[]): {
  subscribers: number;
  seed: number;
  quick: boolean;
  out: string | undefined;
  report: boolean;
  workers: number;
} {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      subscribers: { type: 'string' },
      seed: { type: 'string' },
      workers: { type: 'string' },
      out: { type: 'string' },
      'no-report': { type: 'boolean', default: false },
    },
  });
  const quick = values.quick ?? false;
  const int = (name: string, raw: string | undefined, fallback: number): number => {
    const value = raw === undefined ? fallback : Number(raw.replace(/_/g, ''));
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`--${name} must be a positive integer, got ${raw}`);
    return value;
  };
  return {
    subscribers: int('subscribers', values.subscribers, quick ? 20_000 : 1_000_000),
    seed: int('seed', values.seed, 20_261_125),
    workers: int('workers', values.workers, 2),
    quick,
    out: values.out,
    report: !(values['no-report'] ?? false),
  };
}

/** The stream's view: a caller is detected when the record behind its first alert arrived. */
function engineView(alerts: readonly ReceivedAlert[], arrivalOf: ReadonlyMap<string, number>): DetectorView {
  const firstDetectedAt = new Map<string, number>();
  const alertCounts = new Map<string, number>();
  for (const alert of alerts) {
    alertCounts.set(alert.suspect, (alertCounts.get(alert.suspect) ?? 0) + 1);
    const at = arrivalOf.get(`${alert.suspect}:${alert.lastEventMs}`) ?? alert.lastEventMs;
    const known = firstDetectedAt.get(alert.suspect);
    if (known === undefined || at < known) firstDetectedAt.set(alert.suspect, at);
  }
  return { firstDetectedAt, alertCounts };
}

async function main(): Promise<void> {
  const args = parseQualityArgs(process.argv.slice(2));
  const startedAt = new Date();
  const stack = await startBenchStack(process.env.PATH);
  const nc = await connect({ servers: stack.natsUrl, name: 'bench-quality' });
  const dayStartMs = Math.floor((Date.now() - 26 * HOUR_MS) / HOUR_MS) * HOUR_MS;
  let service: Awaited<ReturnType<typeof startEngine>> | undefined;
  let pool: pg.Pool | undefined;
  try {
    const machine = await machineInfo(process.env.PATH, stack.adminUrl);
    await prepareStreams(nc, PARTITIONS, logger);
    const url = await stack.freshDatabase('quality', logger);
    pool = new pg.Pool({ connectionString: url, max: 2 });
    const allowlist = `${FLASH_CALL_PREFIX}*`;
    service = await startEngine({
      natsUrl: stack.natsUrl,
      databaseUrl: url,
      partitions: PARTITIONS,
      workers: args.workers,
      consumerGroup: GROUP,
      env: { ALLOWLIST: allowlist },
    });
    const collector = await collectAlerts(nc);
    const caseCollector = await collectCaseKeys(nc);
    const traffic = generateTraffic({
      seed: args.seed,
      subscribers: args.subscribers,
      startMs: dayStartMs,
      durationMs: 24 * HOUR_MS,
    });
    const meter = new CpuMeter(stack.groups);
    const started = performance.now();
    const day = await runSimulatedDay(nc, url, traffic, PARTITIONS, logger);
    const targets = await partitionTargets(nc, PARTITIONS);
    while (!(await offsetsReached(pool, GROUP, targets))) await sleep(250);
    const pipelineMs = performance.now() - started;
    const cpu = meter.read();
    await sleep(1_000);
    collector.stop();
    caseCollector.stop();
    logger.info({ alerts: collector.alerts.length, records: day.records }, 'engine drained the day');
    await service.stop();
    service = undefined;

    const batchStarted = performance.now();
    const batch = await runHourlyBatch(pool, dayStartMs, 24, THRESHOLDS);
    const batchMs = performance.now() - batchStarted;
    const labelledNumbers = traffic.labels.callers.map((c) => c.number);
    const distinct = await pool.query<{ n: string }>(
      'SELECT count(DISTINCT caller_number)::bigint AS n FROM seed_call_records WHERE NOT (caller_number = ANY($1::text[]))',
      [labelledNumbers],
    );
    const normalCallers = Number(distinct.rows[0]?.n ?? 0);
    const batchView: DetectorView = {
      firstDetectedAt: batch.firstFlaggedAt,
      alertCounts: new Map(
        [...batch.firstFlaggedAt.keys()].map((caller) => [
          caller,
          batch.runs.filter((r) => r.suspects.includes(caller)).length,
        ]),
      ),
    };
    const prefix = allowlist.slice(0, -1);
    const fraudsters = traffic.labels.callers.filter((c) => c.class === 'sdhf' || c.class === 'simbox');
    const pipelineCaseRows = fraudsters.reduce(
      (n, c) => n + (caseCollector.keysBySuspect.get(c.number)?.size ?? 0),
      0,
    );
    const pipelineCaseSuspects = fraudsters.filter((c) => caseCollector.keysBySuspect.has(c.number)).length;
    const inProcessCases = replayCases(
      decodeDay(traffic, PARTITIONS),
      traffic.labels,
      PARTITIONS,
      [allowlist],
      DEFAULT_CASE_SETTINGS,
    );
    const output = {
      kind: 'quality',
      date: startedAt.toISOString(),
      command: `npm run bench:quality -- ${process.argv.slice(2).join(' ')}`.trim(),
      machine,
      scale: {
        subscribers: args.subscribers,
        simulatedHours: 24,
        records: day.records,
        byKind: day.byKind,
        labelledCallers: traffic.labels.callers.length,
        normalCallersSeen: normalCallers,
        wallSeconds: Math.round(pipelineMs / 100) / 10,
        speedUp: Math.round((24 * HOUR_MS) / pipelineMs),
        description:
          `${args.subscribers.toLocaleString('en-US')} ordinary subscribers simulated for a full day (every call, no sampling), ` +
          'with fraud and look-alike callers scaled to the subscriber count; the day is replayed as fast as the pipeline drains it. ' +
          'Detection runs on event time, so compressing wall time does not change what the windows see; arrival order and lateness are kept.',
      },
      options: traffic.labels.options,
      thresholds: THRESHOLDS,
      allowlist: [allowlist],
      engine: {
        pipelineSeconds: Math.round(pipelineMs / 100) / 10,
        recordsPerSecond: perSecond(day.records, pipelineMs),
        publishPerSecond: day.publishPerSecond,
        cpu,
        alertMessages: collector.alerts.length,
        alertsByWindowSeconds: countBy(collector.alerts, (a) => String(a.windowSeconds)),
        alertsBySeverity: countBy(collector.alerts, (a) => a.severity),
        eventToAlertMs: summarizeLatencies(collector.alerts.map((a) => a.eventToAlertMs)),
        score: scoreDetector(traffic.labels, normalCallers, engineView(collector.alerts, day.arrivalOf)),
        cases: {
          pipeline:
            caseCollector.events === 0
              ? null
              : {
                  caseEvents: caseCollector.events,
                  caseRowsPerFraudsterPerDay:
                    pipelineCaseSuspects === 0 ? null : pipelineCaseRows / pipelineCaseSuspects,
                },
          inProcess: inProcessCases,
        },
      },
      batch: {
        runs: batch.runs.length,
        totalQuerySeconds: Math.round(batchMs / 100) / 10,
        queryMs: summarizeLatencies(batch.runs.map((r) => r.queryMs)),
        alertsInserted: batch.alertsInserted,
        score: scoreDetector(traffic.labels, normalCallers, batchView),
        scoreWithAllowlist: scoreDetector(traffic.labels, normalCallers, batchView, (caller) =>
          caller.startsWith(prefix),
        ),
      },
      ttdBucketsMinutes: [...TTD_BUCKETS_MIN.map(String), 'later', 'never'],
    };
    const label = args.quick ? '-quick' : args.subscribers === 1_000_000 ? '' : `-${args.subscribers}`;
    const path = args.out ?? join(resultsDir(), `quality-${today()}${label}.json`);
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    logger.info({ path: writeResults(path, output) }, 'results written');
  } finally {
    await service?.stop().catch(() => undefined);
    await pool?.end().catch(() => undefined);
    await nc.close();
    await stack.stop();
  }
  if (args.report && !args.quick) {
    const { buildReport } = await import('../report/build-report.js');
    await buildReport();
  }
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'bench:quality failed');
  process.exitCode = 1;
});
