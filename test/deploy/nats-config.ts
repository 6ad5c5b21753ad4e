/**
 * Checks on nats-server configuration files: the partition count in the `cdr.raw.*` mapping, and
 * `nats-server -t` (parse and validate without starting) on the real binary the engine's tests use.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNatsServerBinary } from '../../src/embedded/index.js';
import { runTool } from './deploy-files.js';

/** P in `"cdr.raw.*": "cdr.in.{{partition(P,1)}}"`, or undefined when the mapping is absent. */
export function partitionMappingCount(config: string): number | undefined {
  const match = /"cdr\.raw\.\*"\s*:\s*"cdr\.in\.\{\{partition\((\d+),\s*1\)\}\}"/.exec(config);
  return match === null ? undefined : Number(match[1]);
}

export function natsServerBinary(): string {
  const binary = findNatsServerBinary(process.env.PATH);
  if (binary === undefined) {
    throw new Error(
      'nats-server is not installed: scripts/bootstrap.sh installs it (apt-get install nats-server)',
    );
  }
  return binary;
}

/** What `nats-server -t` says is wrong with a configuration ([] when valid). `env` fills `$VARIABLES`. */
export function natsConfigProblems(config: string, env: Record<string, string> = {}): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-nats-conf-'));
  try {
    const file = join(dir, 'nats.conf');
    writeFileSync(file, config);
    const run = runTool(natsServerBinary(), ['-c', file, '-t'], {
      cwd: dir,
      env: { ...process.env, ...env },
    });
    return run.status === 0 ? [] : [`${run.stdout}${run.stderr}`.trim()];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
