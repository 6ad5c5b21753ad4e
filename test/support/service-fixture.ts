/**
 * A real engine for integration tests: its own nats-server (so stream names and subjects are isolated from
 * every other test), a fresh database, the real shard workers (compiled JS in dist/).
 */
import { mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config/index.js';
import { startNatsServer } from '../../src/embedded/index.js';
import { startService, type Service } from '../../src/engine/index.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

export interface TestStack {
  natsUrl: string;
  databaseUrl: string;
  env: Record<string, string>;
  db: TestDatabase;
  stopNats(): Promise<void>;
  cleanup(): Promise<void>;
}

/** NATS + database only; start the engine in-process (startTestService) or as a child process. */
export async function startTestStack(): Promise<TestStack> {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-stack-'));
  chmodSync(dir, 0o755);
  const nats = await startNatsServer({ dataDir: join(dir, 'nats'), port: 0, pathEnv: process.env.PATH });
  const db = await createTestDatabase('sentinel_e2e');
  const env = {
    NATS_URL: nats.url,
    DATABASE_URL: db.url,
    PARTITIONS: '4',
    WORKERS: '2',
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    SINK_FLUSH_INTERVAL: '50ms',
    ENVIRONMENT: 'test',
    CHECKPOINT_DIR: join(dir, 'checkpoints'),
  };
  return {
    natsUrl: nats.url,
    databaseUrl: db.url,
    env,
    db,
    stopNats: () => nats.stop(),
    async cleanup() {
      await nats.stop();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function testConfig(stack: TestStack, overrides: Record<string, string> = {}): Config {
  // Real files, as the process config reads them (FEED_PROFILES mapping files).
  return loadConfig({ PATH: process.env.PATH ?? '', ...stack.env, ...overrides }, (path) =>
    readFileSync(path, 'utf8'),
  );
}

export async function startTestService(
  stack: TestStack,
  overrides: Record<string, string> = {},
  http = false,
): Promise<Service> {
  const config = testConfig(stack, overrides);
  const service = await startService(config, {
    logger: pino({ level: config.logLevel }),
    version: 'test',
    http,
  });
  if (!(await service.whenReady(60_000))) {
    await service.stop();
    throw new Error('test service workers did not become ready');
  }
  return service;
}

/** Polls until `probe` returns true, failing with `what` after the timeout. */
export async function eventually(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
