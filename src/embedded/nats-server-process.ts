/**
 * Runs a nats-server child with JetStream for embedded mode and for tests. The binary comes from PATH
 * (Debian's `nats-server` package installs /usr/sbin/nats-server); scripts/bootstrap.sh installs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SentinelError } from '../shared/index.js';
import { findFreePort, isPortOpen } from './free-port.js';
import { isAlive, stopProcess } from './process-control.js';

export class NatsServerMissingError extends SentinelError {
  static override readonly code = 'SENTINEL_NATS_SERVER_MISSING';

  constructor() {
    super(
      'nats-server was not found on PATH, /usr/sbin or /usr/local/bin. Install it with ' +
        '`apt-get install -y nats-server` (scripts/bootstrap.sh does this when run as root), or set NATS_URL.',
    );
  }
}

export function findNatsServerBinary(pathEnv: string | undefined): string | undefined {
  const dirs = [...(pathEnv ?? '').split(delimiter), '/usr/sbin', '/usr/local/bin', '/usr/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, 'nats-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export interface NatsServerProcess {
  url: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface StartNatsServerOptions {
  dataDir: string;
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  pathEnv: string | undefined;
  startTimeoutMs?: number;
}

export async function startNatsServer(options: StartNatsServerOptions): Promise<NatsServerProcess> {
  const binary = findNatsServerBinary(options.pathEnv);
  if (binary === undefined) throw new NatsServerMissingError();
  mkdirSync(options.dataDir, { recursive: true });
  // A server left behind by a killed engine still holds the store: stop it first.
  const pidFile = join(options.dataDir, 'nats-server.pid');
  if (existsSync(pidFile)) {
    const stalePid = Number(readFileSync(pidFile, 'utf8').trim());
    if (Number.isInteger(stalePid) && stalePid > 0 && isAlive(stalePid))
      await stopProcess(stalePid, 'SIGTERM', 10_000);
  }
  const port = options.port === undefined || options.port === 0 ? await findFreePort() : options.port;
  // Its own process group: the terminal's Ctrl-C reaches only the engine, which drains before stopping it.
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', options.dataDir, '-P', pidFile];
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_096);
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  while (!(await isPortOpen(port))) {
    if (child.exitCode !== null)
      throw new Error(`nats-server exited with ${child.exitCode}: ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not listen on port ${port} in time: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    dataDir: options.dataDir,
    child,
    async stop() {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      await stopProcess(child.pid, 'SIGTERM', 5_000);
    },
  };
}
