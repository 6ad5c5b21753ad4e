/**
 * An engine as a child process (`node dist/src/cli/sentinel.js start`) for the takeover bench: its JSON log
 * lines are kept (their `time` fields date the lease, restore and hand-off steps) and its `/metrics` read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '../../src/embedded/index.js';

const CLI = fileURLToPath(new URL('../../src/cli/sentinel.js', import.meta.url));

export interface LogLine {
  time: number;
  msg: string;
  partition?: number;
  [field: string]: unknown;
}

export interface EngineChild {
  name: string;
  child: ChildProcess;
  httpUrl: string;
  /** Every JSON log line so far. */
  logs: LogLine[];
  exited: Promise<number | null>;
  /** Wall-clock ms of the exit (undefined while running). */
  exitedAtMs(): number | undefined;
  /** The first log line with `msg` (and `partition`, when given) at or after `sinceMs`. */
  logged(msg: string, sinceMs: number, partition?: number): LogLine | undefined;
  metrics(): Promise<string>;
}

export async function spawnEngineChild(name: string, env: Record<string, string>): Promise<EngineChild> {
  const port = await findFreePort();
  const child = spawn(process.execPath, [CLI, 'start'], {
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      INSTANCE_NAME: name,
      HTTP_PORT: String(port),
      DEMO: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let partial = '';
  let tail = '';
  const collect = (chunk: Buffer): void => {
    const text = partial + chunk.toString();
    tail = (tail + chunk.toString()).slice(-8_000);
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exitedAt: number | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitedAt = Date.now();
      resolve(code);
    }),
  );
  const httpUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`engine ${name} exited early (${child.exitCode}): ${tail}`);
    const status = await fetch(`${httpUrl}/health/ready`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`engine ${name} did not become ready: ${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    name,
    child,
    httpUrl,
    logs,
    exited,
    exitedAtMs: () => exitedAt,
    logged: (msg, sinceMs, partition) =>
      logs.find(
        (line) =>
          line.msg === msg &&
          line.time >= sinceMs &&
          (partition === undefined || line.partition === partition),
      ),
    metrics: async () => await (await fetch(`${httpUrl}/metrics`)).text(),
  };
}

/** Sum of a metric's samples whose label set contains every `labels` pair (text exposition format). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
