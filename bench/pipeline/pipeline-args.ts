/** Command-line flags of `npm run bench:pipeline`, with defaults that match issue 3. */
import { parseArgs } from 'node:util';

export interface PipelineArgs {
  /** CDRs in the backlog drained by the bare ceilings and the engine. */
  events: number;
  /** Rows put into call_records before the second drain (0 skips the preloaded case). */
  preloadRows: number;
  /** The headline steady offered rate for publish → alert latency, CDR/s. */
  rate: number;
  /** Further offered rates, ascending, swept until the engine saturates (latency vs load). */
  sweepRates: number[];
  latencySeconds: number;
  /** Repeats of each bare ceiling (the median is reported). */
  runs: number;
  partitions: number;
  workers: number;
  /** COPY transactions in flight at once in the bare consume + COPY ceiling. */
  copyConcurrency: number;
  /** Rows the COPY-alone ceiling writes (pre-encoded in memory, so capped). */
  copyRows: number;
  /** Stored-row counts at which the seed's SQL is timed against the live windows. */
  sqlRows: number[];
  skip: Set<string>;
  quick: boolean;
  /** Results file; `bench/results/pipeline-<date>[-label].json` by default. */
  out: string | undefined;
  /** The engine's log level (its logs go to stderr). */
  engineLogLevel: string;
  /** Rebuild BENCHMARKS.md and the chart afterwards. */
  report: boolean;
}

export const PIPELINE_USAGE = `npm run bench:pipeline -- [--quick] [--events 1000000] [--preload-rows 10000000]
  [--rate 20000] [--rates 2000,5000,10000,40000,60000,80000] [--latency-seconds 20] [--runs 3]
  [--partitions 16] [--workers 2] [--copy-concurrency 1] [--copy-rows 1000000] [--sql-rows 1000000,5000000]
  [--skip bare,engine,restart,restart-cold,preload,latency] [--out file.json] [--no-report] [--engine-log-level warn]`;

function count(name: string, raw: string | undefined, fallback: number, min = 0): number {
  if (raw === undefined) return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`--${name} must be an integer >= ${min}, got ${raw}`);
  return value;
}

function list(name: string, raw: string | undefined, fallback: number[]): number[] {
  if (raw === undefined) return fallback;
  if (raw === '' || raw === 'none') return [];
  return raw.split(',').map((part) => count(name, part.trim(), 0, 1));
}

export function parsePipelineArgs(argv: readonly string[]): PipelineArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      events: { type: 'string' },
      'preload-rows': { type: 'string' },
      rate: { type: 'string' },
      rates: { type: 'string' },
      'latency-seconds': { type: 'string' },
      runs: { type: 'string' },
      partitions: { type: 'string' },
      workers: { type: 'string' },
      'copy-concurrency': { type: 'string' },
      'copy-rows': { type: 'string' },
      'sql-rows': { type: 'string' },
      skip: { type: 'string' },
      out: { type: 'string' },
      'no-report': { type: 'boolean', default: false },
      'engine-log-level': { type: 'string', default: 'warn' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${PIPELINE_USAGE}\n`);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const events = count('events', values.events, quick ? 100_000 : 1_000_000, 1_000);
  return {
    events,
    preloadRows: count('preload-rows', values['preload-rows'], quick ? 0 : 10_000_000),
    rate: count('rate', values.rate, quick ? 5_000 : 20_000, 1),
    sweepRates: list('rates', values.rates, quick ? [] : [2_000, 5_000, 10_000, 40_000, 60_000, 80_000]),
    latencySeconds: count('latency-seconds', values['latency-seconds'], quick ? 5 : 20, 1),
    runs: count('runs', values.runs, quick ? 1 : 3, 1),
    partitions: count('partitions', values.partitions, 16, 1),
    workers: count('workers', values.workers, 2, 1),
    copyConcurrency: count('copy-concurrency', values['copy-concurrency'], 1, 1),
    copyRows: Math.min(events, count('copy-rows', values['copy-rows'], 1_000_000, 1_000)),
    sqlRows: list('sql-rows', values['sql-rows'], [1_000_000, 5_000_000]).filter((rows) => rows <= events),
    skip: new Set(
      (values.skip ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
    quick,
    out: values.out,
    report: !(values['no-report'] ?? false),
    engineLogLevel: values['engine-log-level'] ?? 'warn',
  };
}
