/**
 * How long the sink takes to commit the batches that hold alerts — the commit every alert waits for before it
 * is published (ADR 0014) — against batches of records only, through PostgresBatchWriter, for one or more
 * builds side by side (issue 13, goal 4). The alerts and case events are the detection engine's own: SDHF
 * bursts run through a DetectionEngine, each batch carrying the records of a pull and what its trigger emitted.
 * Builds alternate round by round on fresh databases of the local Postgres. Prints JSON.
 *
 *   node dist/bench/sinks/alert-commit.js [--builds base=/other/dist,new=dist] [--rounds 6] [--batches 40]
 *     [--records 20] [--pg-admin-url postgres://…]
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { Batch, BatchStats, CallRecordRow, PostgresBatchWriter } from '../../src/sinks/index.js';
import {
  DEFAULT_RULE_SETTINGS,
  DEFAULT_WINDOWS_MS,
  DetectionEngine,
  toAlertMessage,
  type AlertEvent,
  type AlertMessage,
  type CaseEvent,
} from '../../src/windows/index.js';
import { median, percentileSorted } from '../pipeline/bench-stats.js';
import {
  dropLocalDatabases,
  freshLocalDatabase,
  LOCAL_POSTGRES_ADMIN_URL,
} from '../pipeline/local-postgres.js';

const logger = pino({ level: 'silent' });
const PARTITION = 5;
const HOUR_MS = 3_600_000;

const { values } = parseArgs({
  options: {
    builds: { type: 'string', default: 'this=dist' },
    rounds: { type: 'string', default: '6' },
    batches: { type: 'string', default: '40' },
    records: { type: 'string', default: '20' },
    'pg-admin-url': { type: 'string', default: LOCAL_POSTGRES_ADMIN_URL },
  },
});
const builds = values.builds.split(',').map((pair) => {
  const at = pair.indexOf('=');
  if (at < 1) throw new RangeError(`--builds takes name=dist-dir pairs, got ${pair}`);
  return { name: pair.slice(0, at), dist: resolve(pair.slice(at + 1)) };
});
const rounds = Number(values.rounds);
const batchesPerRound = Number(values.batches);
const recordsPerBatch = Number(values.records);

interface Trigger {
  alerts: AlertMessage[];
  caseEvents: CaseEvent[];
}

/**
 * What the engine emits when SDHF callers cross the threshold: one trigger per caller, from a burst of 1-second
 * calls to distinct numbers, each trigger's alerts and case events (usually one alert and one `opened`).
 */
function engineTriggers(count: number, startMs: number, firstCaller: number): Trigger[] {
  const engine = new DetectionEngine(
    { windowsMs: DEFAULT_WINDOWS_MS, allowedLatenessMs: 300_000 },
    DEFAULT_RULE_SETTINGS,
  );
  const triggers: Trigger[] = [];
  const out: AlertEvent[] = [];
  for (let c = 0; triggers.length < count; c++) {
    const caller = firstCaller + c;
    for (let k = 0; k < 500; k++) {
      out.length = 0;
      engine.process(caller, 2349060000000 + c * 1_000 + k, startMs + c * 600_000 + k * 1_000, 1, out);
      if (out.length === 0 && engine.lastCaseEvents.length === 0) continue;
      const nowMs = Date.now();
      triggers.push({
        alerts: out.map((event) => toAlertMessage(event, nowMs, 5)),
        caseEvents: [...engine.lastCaseEvents],
      });
      break;
    }
  }
  return triggers;
}

function records(fromSeq: number, count: number, startMs: number, tag: string): CallRecordRow[] {
  return Array.from({ length: count }, (_v, i) => ({
    callId: `${tag}-${fromSeq + i}`,
    caller: String(2348070000000 + ((fromSeq + i) % 5_000)),
    callee: String(2349080000000 + fromSeq + i),
    startMs: startMs + (fromSeq + i) * 10,
    durationSeconds: 30 + ((fromSeq + i) % 200),
    partition: PARTITION,
    streamSeq: fromSeq + i,
    late: false,
  }));
}

function batchOf(rows: CallRecordRow[], trigger: Trigger | undefined): Batch {
  const alerts = trigger?.alerts ?? [];
  const caseEvents = trigger?.caseEvents ?? [];
  return {
    records: rows,
    deadLetters: [],
    offsets: new Map([[PARTITION, rows[rows.length - 1]!.streamSeq]]),
    alerts,
    alertPartitions: alerts.map(() => PARTITION),
    caseEvents,
    caseEventPartitions: caseEvents.map(() => PARTITION),
  };
}

interface Timings {
  alertBearing: number[];
  recordsOnly: number[];
}

async function runRound(
  build: { name: string; dist: string },
  url: string,
  round: number,
  into: Timings,
): Promise<void> {
  const sinks = (await import(`${build.dist}/src/sinks/index.js`)) as {
    PostgresBatchWriter: typeof PostgresBatchWriter;
  };
  const writer = new sinks.PostgresBatchWriter({
    connectionString: url,
    consumer: `bench-${build.name}`,
    logger,
  });
  const startMs = Date.now() - HOUR_MS;
  // Each round's callers are new, so are its alert and case keys, as live alerts' are.
  const triggers = engineTriggers(batchesPerRound, startMs, 2348050000000 + round * 10_000);
  let seq = round * 1_000_000 + 1;
  const commit = async (batch: Batch): Promise<BatchStats> => {
    const stats = await writer.write(batch);
    if (stats.attempts !== 1) throw new Error(`${build.name}: a batch needed ${stats.attempts} attempts`);
    return stats;
  };
  try {
    // Warm the connection and the plan caches first.
    await commit(batchOf(records(seq, recordsPerBatch, startMs, build.name), undefined));
    seq += recordsPerBatch;
    for (const trigger of triggers) {
      const plain = await commit(batchOf(records(seq, recordsPerBatch, startMs, build.name), undefined));
      seq += recordsPerBatch;
      into.recordsOnly.push(plain.commitMs);
      const bearing = await commit(batchOf(records(seq, recordsPerBatch, startMs, build.name), trigger));
      seq += recordsPerBatch;
      if (bearing.alertsInserted !== trigger.alerts.length)
        throw new Error(`${build.name}: ${bearing.alertsInserted} of ${trigger.alerts.length} alerts stored`);
      if (bearing.caseEventsInserted !== trigger.caseEvents.length)
        throw new Error(
          `${build.name}: ${bearing.caseEventsInserted} of ${trigger.caseEvents.length} case events stored`,
        );
      into.alertBearing.push(bearing.commitMs);
    }
  } finally {
    await writer.close();
  }
}

function summary(values: number[]): { median: number | null; p90: number | null; max: number | null } {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (value: number | null): number | null =>
    value === null ? null : Math.round(value * 100) / 100;
  return {
    median: round(median(sorted)),
    p90: round(percentileSorted(sorted, 0.9)),
    max: round(sorted[sorted.length - 1] ?? null),
  };
}

async function main(): Promise<void> {
  const loadBefore = loadavg().map((value) => Math.round(value * 100) / 100);
  const timings = new Map(
    builds.map((build) => [build.name, { alertBearing: [], recordsOnly: [] } as Timings]),
  );
  const urls = new Map<string, string>();
  try {
    for (const build of builds) {
      urls.set(
        build.name,
        await freshLocalDatabase(values['pg-admin-url'], `hperf_alert_commit_${build.name}`, true, logger),
      );
    }
    for (let round = 0; round < rounds; round++) {
      // Alternate the order each round so neither build always runs second.
      const order = round % 2 === 0 ? builds : [...builds].reverse();
      for (const build of order)
        await runRound(build, urls.get(build.name)!, round, timings.get(build.name)!);
    }
  } finally {
    await dropLocalDatabases(values['pg-admin-url'], 'hperf_alert_commit_');
  }
  const results = builds.map((build) => {
    const t = timings.get(build.name)!;
    return {
      build: build.name,
      dist: build.dist,
      batches: t.alertBearing.length,
      alertBearingCommitMs: summary(t.alertBearing),
      recordsOnlyCommitMs: summary(t.recordsOnly),
    };
  });
  const loadAfter = loadavg().map((value) => Math.round(value * 100) / 100);
  console.log(
    JSON.stringify(
      {
        kind: 'alert-commit',
        date: new Date().toISOString(),
        recordsPerBatch,
        rounds,
        loadBefore,
        loadAfter,
        results,
      },
      null,
      2,
    ),
  );
}

await main();
