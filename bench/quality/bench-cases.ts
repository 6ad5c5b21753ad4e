/**
 * `npm run bench:cases`: the quality benchmark's simulated day through the engine in this process (no NATS, no
 * Postgres), once per case setting compared — case rows per fraudulent caller per simulated day, case events
 * and alert events per fraudster, whether the first case event comes on the CDR of the first alert, time to the
 * first case event. Prints JSON, writes bench/results/cases-<date>.json. docs/adr/0010-cases.md has the table.
 *
 *   npm run bench:cases -- [--subscribers 1000000] [--seed 20261125] [--out file]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { FLASH_CALL_PREFIX, generateTraffic } from '../../src/traffic/index.js';
import { DEFAULT_CASE_SETTINGS } from '../../src/windows/index.js';
import { resultsDir, today, writeResults } from '../pipeline/bench-results.js';
import { CASE_SETTINGS_COMPARED, decodeDay, replayCases } from './case-replay.js';

const HOUR_MS = 3_600_000;
const PARTITIONS = 16;
const logger = pino({ level: 'info' }, pino.destination(2));

function main(): void {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { subscribers: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } },
  });
  const int = (name: string, raw: string | undefined, fallback: number): number => {
    const value = raw === undefined ? fallback : Number(raw.replace(/_/g, ''));
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`--${name} must be a positive integer, got ${raw}`);
    return value;
  };
  const subscribers = int('subscribers', values.subscribers, 1_000_000);
  const seed = int('seed', values.seed, 20_261_125);
  const dayStartMs = Math.floor((Date.now() - 26 * HOUR_MS) / HOUR_MS) * HOUR_MS;
  const traffic = generateTraffic({ seed, subscribers, startMs: dayStartMs, durationMs: 24 * HOUR_MS });
  const decodeStarted = performance.now();
  const day = decodeDay(traffic, PARTITIONS);
  logger.info(
    { records: day.count, seconds: Math.round((performance.now() - decodeStarted) / 1_000) },
    'day decoded',
  );
  const allowlist = [`${FLASH_CALL_PREFIX}*`];
  const runs = CASE_SETTINGS_COMPARED.map(({ cases, sdhfWindowsMs }) => {
    const result = replayCases(day, traffic.labels, PARTITIONS, allowlist, cases, sdhfWindowsMs);
    logger.info(result, 'case settings replayed');
    return result;
  });
  const output = {
    kind: 'cases',
    date: new Date().toISOString(),
    command: `npm run bench:cases -- ${process.argv.slice(2).join(' ')}`.trim(),
    scale: { subscribers, seed, simulatedHours: 24, recordsWindowed: day.count, partitions: PARTITIONS },
    allowlist,
    defaults: DEFAULT_CASE_SETTINGS,
    runs,
  };
  const path =
    values.out ??
    join(resultsDir(), `cases-${today()}${subscribers === 1_000_000 ? '' : `-${subscribers}`}.json`);
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  logger.info({ path: writeResults(path, output) }, 'results written');
}

main();
