import { readFileSync } from 'node:fs';
/**
 * One API under test: a fresh Postgres database (migrated), the suite's nats-server, the engine port and a
 * server from `buildApiServer`. Requests go through `app.inject()`; feed tests `listen({ port: 0 })`.
 *
 * The engine is the TEST-ONLY stand-in (`TestEnginePort`) until `startService` from src/engine is ready;
 * swapping it is the single `createEngine` line below.
 */
import type { FastifyInstance } from 'fastify';
import type { NatsConnection } from '@nats-io/nats-core';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import {
  buildApiServer,
  defaultRuleSettings,
  hashApiKey,
  type ApiServerDeps,
} from '../../../src/api/index.js';
import { loadConfig, type Config } from '../../../src/config/index.js';
import { Metrics } from '../../../src/metrics/index.js';
import { ensureDailyPartitions, migrate } from '../../../src/sinks/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/databases.js';
import { connectTestNats } from '../../support/nats.js';
import { TestEnginePort } from './test-engine.js';

/** Principal `analyst`, role admin: the key most tests use, so they may call every route. */
export const ANALYST_KEY = 'analyst-key-0123456789abcdef';
/** Principal `ops`, role admin. */
export const OPS_KEY = 'ops-key-fedcba9876543210';
/** One key per role, for the role tests: `viewer-1` has no role in API_KEYS (the default, viewer). */
export const ROLE_KEYS = {
  viewer: 'viewer-key-00112233445566778899',
  analyst: 'reviewer-key-99887766554433221100',
  admin: 'admin-key-aabbccddeeff00112233',
} as const;
export const JWT_SECRET = 'test-jwt-secret-that-is-at-least-32-bytes-long';
export const JWT_ISSUER = 'https://auth.example.test';
export const JWT_AUDIENCE = 'sentinel-api';
const DAY_MS = 86_400_000;

/** Log lines the API wrote (JSON objects), for assertions about what is and is not logged. */
export class LogCapture {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  text(): string {
    return this.lines.join('');
  }
}

export interface ApiHarness {
  app: FastifyInstance;
  config: Config;
  pool: pg.Pool;
  nc: NatsConnection;
  engine: TestEnginePort;
  metrics: Metrics;
  logs: LogCapture;
  logger: Logger;
  /** Headers carrying the `analyst` API key (role admin). */
  auth: Record<string, string>;
  /**
   * Another server over the same database and engine with a different configuration (cheaper than a
   * second harness). Closed by `close()` if the test does not close it first.
   */
  buildServer(options: HarnessOptions): Promise<FastifyInstance>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Environment overrides for loadConfig. */
  env?: Record<string, string>;
  deps?: Partial<Pick<ApiServerDeps, 'metricsPublic' | 'docsPublic' | 'devApiKey' | 'unreviewedRefreshMs'>>;
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig(
    {
      ENVIRONMENT: 'test',
      API_KEYS: [
        `analyst:${hashApiKey(ANALYST_KEY)}:admin`,
        `ops:${hashApiKey(OPS_KEY)}:admin`,
        `viewer-1:${hashApiKey(ROLE_KEYS.viewer)}`,
        `reviewer-1:${hashApiKey(ROLE_KEYS.analyst)}:analyst`,
        `admin-1:${hashApiKey(ROLE_KEYS.admin)}:admin`,
      ].join(','),
      JWT_SECRET,
      JWT_ISSUER,
      JWT_AUDIENCE,
      WINDOWS: '10m,1h,24h',
      WORKERS: '1',
      PARTITIONS: '4',
      ...env,
    },
    (path) => readFileSync(path, 'utf8'),
  );
}

export async function startApiHarness(options: HarnessOptions = {}): Promise<ApiHarness> {
  const config = testConfig(options.env);
  const logs = new LogCapture();
  const logger = pino({ level: 'info' }, logs);
  const db: TestDatabase = await createTestDatabase('sentinel_api');
  const pool = new pg.Pool({ connectionString: db.url, max: 5 });
  const nc = await connectTestNats();
  try {
    await migrate(pool, logger);
    const nowMs = Date.now();
    await ensureDailyPartitions(pool, nowMs - 5 * DAY_MS, nowMs + DAY_MS);
    const rules = defaultRuleSettings(config);
    const engine = await TestEnginePort.start({ nc, rules, partitions: config.partitions }); // createEngine
    const metrics = new Metrics('test');
    const extraServers: FastifyInstance[] = [];
    const build = async (serverOptions: HarnessOptions, serverConfig: Config, serverMetrics: Metrics) => {
      const server = await buildApiServer({
        config: serverConfig,
        pool,
        engine,
        metrics: serverMetrics,
        logger,
        version: '0.0.0-test',
        ...serverOptions.deps,
      });
      await server.ready();
      return server;
    };
    const app = await build(options, config, metrics);
    return {
      app,
      config,
      pool,
      nc,
      engine,
      metrics,
      logs,
      logger,
      auth: { 'x-api-key': ANALYST_KEY },
      async buildServer(serverOptions) {
        const server = await build(serverOptions, testConfig(serverOptions.env), new Metrics('test'));
        extraServers.push(server);
        return server;
      },
      async close() {
        for (const server of extraServers) await server.close();
        await app.close();
        await engine.close();
        await nc.close();
        await pool.end();
        await db.drop();
      },
    };
  } catch (error) {
    await nc.close();
    await pool.end();
    await db.drop();
    throw error;
  }
}
