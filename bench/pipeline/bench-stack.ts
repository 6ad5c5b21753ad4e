/**
 * The servers a benchmark runs against: its own nats-server (JetStream, file storage) and its own embedded
 * Postgres, both in a temp folder on random ports, so nothing is shared with tests or a running engine.
 * Databases are created fresh per phase and migrated with the engine's own `migrate()`.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { startEmbeddedPostgres, startNatsServer } from '../../src/embedded/index.js';
import { freshLocalDatabase } from './local-postgres.js';
import { postmasterPid, type ProcessGroups } from './process-usage.js';

export interface BenchStack {
  natsUrl: string;
  /** Superuser URL of the `postgres` database. */
  adminUrl: string;
  groups: ProcessGroups;
  /** Creates (dropping first) a database, migrates it and creates day partitions around now; returns its URL. */
  freshDatabase(name: string, logger: Logger): Promise<string>;
  stop(): Promise<void>;
}

export async function startBenchStack(pathEnv: string | undefined): Promise<BenchStack> {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-bench-'));
  // Embedded Postgres runs as the `postgres` user, which must be able to reach its data folder.
  chmodSync(dir, 0o755);
  const nats = await startNatsServer({ dataDir: join(dir, 'nats'), port: 0, pathEnv });
  let postgres: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
  try {
    postgres = await startEmbeddedPostgres({ dataDir: join(dir, 'postgres'), port: 0, persistent: false });
  } catch (error) {
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const adminUrl = postgres.adminUrl;
  return {
    natsUrl: nats.url,
    adminUrl,
    groups: { natsPid: nats.child.pid, postgresPid: postmasterPid(postgres.dataDir) },
    freshDatabase: (name, logger) => freshLocalDatabase(adminUrl, name, true, logger),
    async stop() {
      await postgres.stop().catch(() => undefined);
      await nats.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
