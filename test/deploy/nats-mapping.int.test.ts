/**
 * The `cdr.raw.*` → `cdr.in.{{partition(P,1)}}` mapping shipped in deploy/nats must place every caller on the
 * partition the engine's own hash gives, or a switch publishing to `cdr.raw.<caller>` would feed a caller's
 * CDRs to a shard that does not own it. Runs the real nats-server with the shipped config (ports and store
 * moved to temporary ones) and publishes through the mapping.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, isPortOpen } from '../../src/embedded/index.js';
import { partitionOf } from '../../src/codec/index.js';
import { readRepoFile } from './deploy-files.js';
import { natsConfigProblems, natsServerBinary, partitionMappingCount } from './nats-config.js';

const COMPOSE_CONFIG = readRepoFile('deploy/nats/nats-server.conf');
const START_TIMEOUT_MS = 10_000; // nats-server listens within a second; ten leaves room on a busy machine

/** The shipped config with its listen ports and store folder moved somewhere this test owns. */
function relocated(config: string, port: number, dir: string): string {
  const moved = config
    .replace(/^port: \d+$/m, `port: ${port}\nhost: 127.0.0.1`)
    .replace(/^http_port: \d+$/m, '')
    .replace(/store_dir: \S+/, `store_dir: "${join(dir, 'jetstream')}"`);
  if (moved.includes('4222') || moved.includes('/data/'))
    throw new Error('config layout changed: update relocated()');
  return moved;
}

describe('NATS partition mapping (deploy/nats/nats-server.conf)', () => {
  let dir: string;
  let server: ChildProcess;
  let nc: NatsConnection;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sentinel-nats-mapping-'));
    const port = await findFreePort();
    const file = join(dir, 'nats.conf');
    writeFileSync(file, relocated(COMPOSE_CONFIG, port, dir));
    server = spawn(natsServerBinary(), ['-c', file], { stdio: 'ignore' });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await isPortOpen(port))) {
      if (server.exitCode !== null) throw new Error(`nats-server exited with ${server.exitCode}`);
      if (Date.now() > deadline) throw new Error('nats-server did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    nc = await connect({ servers: `nats://127.0.0.1:${port}`, name: 'sentinel-deploy-mapping-test' });
  });

  afterAll(async () => {
    await nc?.close();
    if (server !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a valid nats-server config', () => {
    expect(natsConfigProblems(COMPOSE_CONFIG)).toEqual([]);
  });

  it('places each caller on the partition the engine computes', async () => {
    const partitions = partitionMappingCount(COMPOSE_CONFIG);
    expect(partitions).toBe(16);
    // A spread of real-looking E.164 callers, plus edge lengths.
    const callers = ['12', '999999999999999', '2348012345678', '447700900123', '15551234567'];
    for (let i = 0; i < 200; i++) callers.push(String(2348000000000 + i * 7919));

    const landed = new Map<string, string>();
    const subscription = nc.subscribe('cdr.in.*');
    const received = (async () => {
      for await (const message of subscription) {
        landed.set(message.string(), message.subject);
        if (landed.size === callers.length) break;
      }
    })();
    for (const caller of callers) nc.publish(`cdr.raw.${caller}`, caller);
    await nc.flush();
    await received;

    for (const caller of callers) {
      expect(landed.get(caller), caller).toBe(`cdr.in.${partitionOf(caller, partitions ?? 0)}`);
    }
    // The mapping spreads callers: every partition receives some of 205.
    expect(new Set(landed.values()).size).toBe(partitions);
  });
});
