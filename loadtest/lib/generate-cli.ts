/**
 * `generate`: writes a synthetic network's records as NDJSON (one CDR JSON per line, in arrival order) or as
 * CSV in the predecessor's upload columns, and its ground-truth labels as a separate JSON file. Prints one JSON
 * line of statistics on stderr (stdout may be the data). Exit code 0, or 2 for bad arguments.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { choiceFlag, CliUsageError, instantFlag, intFlag, numberFlag } from './cli-args.js';
import { CSV_HEADER, cdrJsonToCsvRow } from './csv-rows.js';
import { generateTraffic } from '../../src/traffic/traffic-generator.js';
import {
  demoTrafficOptions,
  TrafficOptionsError,
  type TrafficOptions,
} from '../../src/traffic/traffic-options.js';

export const GENERATE_USAGE = `Usage: node dist/loadtest/generate.js [options]

Writes synthetic CDRs (deterministic for a seed) in arrival order, and their ground-truth labels.

Options:
  --seed N              PRNG seed (default 1)
  --subscribers N       ordinary subscribers (default 100000)
  --hours H             simulated hours of calls (default 24; fractions allowed)
  --start INSTANT       first call start, ISO-8601 with zone or epoch ms (default 2025-01-06T00:00:00Z)
  --format F            ndjson or csv (default ndjson)
  --out FILE            data file (default stdout)
  --labels FILE         ground-truth labels JSON (default: not written)
  --sdhf N              SDHF callers (default subscribers/20000, at least 1)
  --simboxes N          SIM boxes (default subscribers/50000, at least 1)
  --call-centres N      call centres (default subscribers/100000, at least 1)
  --otp-senders N       flash-call OTP senders (default subscribers/200000, at least 1)
  --probes N            network probe SIMs (default subscribers/200000, at least 1)
  --duplicate-rate R    share of records sent twice (default 0.002)
  --malformed-rate R    share of malformed records (default 0.0002)
  --compression X       local days per real day, for demos (default 1)
  --demo                the service demo's preset: the day of 20k subscribers ending at --start
  --help                show this text
`;

export interface GenerateArgs {
  traffic: TrafficOptions;
  format: 'ndjson' | 'csv';
  outFile: string | undefined;
  labelsFile: string | undefined;
}

export interface GenerateStats {
  records: number;
  valid: number;
  duplicate: number;
  malformed: number;
  bytes: number;
  elapsedMs: number;
  recordsPerSecond: number;
  labelledCallers: number;
  firstArrivalMs: number | undefined;
  lastArrivalMs: number | undefined;
}

const DEFAULT_START_MS = Date.UTC(2025, 0, 6); // a Monday
const HOUR_MS = 3_600_000;
const CHUNK_CHARS = 1 << 18;

/** Parses argv (without node and script); returns undefined for --help. */
export function parseGenerateArgs(argv: readonly string[]): GenerateArgs | undefined {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        seed: { type: 'string' },
        subscribers: { type: 'string' },
        hours: { type: 'string' },
        start: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        labels: { type: 'string' },
        sdhf: { type: 'string' },
        simboxes: { type: 'string' },
        'call-centres': { type: 'string' },
        'otp-senders': { type: 'string' },
        probes: { type: 'string' },
        'duplicate-rate': { type: 'string' },
        'malformed-rate': { type: 'string' },
        compression: { type: 'string' },
        demo: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  if (values.help === true) return undefined;
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const startMs = instantFlag('start', text('start'), DEFAULT_START_MS);
  const base: TrafficOptions =
    values.demo === true
      ? demoTrafficOptions(startMs)
      : {
          seed: intFlag('seed', text('seed'), 1, -(2 ** 31), 2 ** 31 - 1),
          subscribers: intFlag('subscribers', text('subscribers'), 100_000, 2, 50_000_000),
          startMs,
          durationMs: Math.round(numberFlag('hours', text('hours'), 24, 0.001, 24 * 366) * HOUR_MS),
        };
  const traffic: TrafficOptions = { ...base };
  if (values.demo === true) {
    if (text('seed') !== undefined) traffic.seed = intFlag('seed', text('seed'), 1, -(2 ** 31), 2 ** 31 - 1);
    if (text('subscribers') !== undefined) {
      traffic.subscribers = intFlag('subscribers', text('subscribers'), 20_000, 2, 50_000_000);
    }
  }
  const optionalInt = (
    flag: string,
    key: 'sdhfCallers' | 'simBoxes' | 'callCentres' | 'otpSenders' | 'probes',
  ): void => {
    const raw = text(flag);
    if (raw !== undefined) traffic[key] = intFlag(flag, raw, 0, 0, 100_000);
  };
  optionalInt('sdhf', 'sdhfCallers');
  optionalInt('simboxes', 'simBoxes');
  optionalInt('call-centres', 'callCentres');
  optionalInt('otp-senders', 'otpSenders');
  optionalInt('probes', 'probes');
  if (text('duplicate-rate') !== undefined)
    traffic.duplicateRate = numberFlag('duplicate-rate', text('duplicate-rate'), 0, 0, 1);
  if (text('malformed-rate') !== undefined)
    traffic.malformedRate = numberFlag('malformed-rate', text('malformed-rate'), 0, 0, 1);
  if (text('compression') !== undefined)
    traffic.timeCompression = numberFlag('compression', text('compression'), 1, 0.001, 10_000);
  return {
    traffic,
    format: choiceFlag('format', text('format'), ['ndjson', 'csv'] as const, 'ndjson'),
    outFile: text('out') === '-' ? undefined : text('out'),
    labelsFile: text('labels'),
  };
}

/** Writes the records to `out` (honouring backpressure) and the labels to `args.labelsFile`. */
export async function runGenerate(args: GenerateArgs, out: Writable): Promise<GenerateStats> {
  const startedAt = performance.now();
  const { records, labels } = generateTraffic(args.traffic);
  const stats: GenerateStats = {
    records: 0,
    valid: 0,
    duplicate: 0,
    malformed: 0,
    bytes: 0,
    elapsedMs: 0,
    recordsPerSecond: 0,
    labelledCallers: labels.callers.length,
    firstArrivalMs: undefined,
    lastArrivalMs: undefined,
  };
  const csv = args.format === 'csv';
  let chunk = csv ? `${CSV_HEADER}\n` : '';
  for (const record of records) {
    const line = csv ? cdrJsonToCsvRow(record.json) : record.json;
    chunk += line;
    chunk += '\n';
    stats.records++;
    stats[record.kind]++;
    stats.firstArrivalMs ??= record.arrivalMs;
    stats.lastArrivalMs = record.arrivalMs;
    if (chunk.length >= CHUNK_CHARS) {
      stats.bytes += chunk.length;
      await write(out, chunk);
      chunk = '';
    }
  }
  stats.bytes += chunk.length;
  if (chunk.length > 0) await write(out, chunk);
  if (args.labelsFile !== undefined) {
    const labelsOut = createWriteStream(args.labelsFile);
    await write(labelsOut, `${JSON.stringify(labels, null, 2)}\n`);
    await close(labelsOut);
  }
  stats.elapsedMs = Math.round(performance.now() - startedAt);
  stats.recordsPerSecond = Math.round(stats.records / Math.max(0.001, stats.elapsedMs / 1000));
  return stats;
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

export async function close(out: Writable): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
}

/** The CLI: parses, runs, prints statistics; returns the exit code. */
export async function generateMain(
  argv: readonly string[],
  stdout: Writable,
  stderr: Writable,
): Promise<number> {
  let args: GenerateArgs | undefined;
  try {
    args = parseGenerateArgs(argv);
  } catch (error) {
    if (!(
      error instanceof CliUsageError ||
      error instanceof TrafficOptionsError ||
      error instanceof RangeError
    ))
      throw error;
    stderr.write(`${error.message}\n\n${GENERATE_USAGE}`);
    return 2;
  }
  if (args === undefined) {
    stdout.write(GENERATE_USAGE);
    return 0;
  }
  const out = args.outFile === undefined ? stdout : createWriteStream(args.outFile);
  let stats: GenerateStats;
  try {
    stats = await runGenerate(args, out);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    stderr.write(`${error.message}\n`);
    return 2;
  } finally {
    if (out !== stdout) await close(out);
  }
  stderr.write(`${JSON.stringify(stats)}\n`);
  return 0;
}
