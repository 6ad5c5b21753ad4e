/**
 * The engine as a separate process (`node dist/src/cli/sentinel.js start`), for tests that kill it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '../../src/embedded/index.js';

const CLI = fileURLToPath(new URL('../../dist/src/cli/sentinel.js', import.meta.url));

export interface EngineProcess {
  child: ChildProcess;
  httpUrl: string;
  output(): string;
  exited: Promise<number | null>;
}

export async function spawnEngine(env: Record<string, string>): Promise<EngineProcess> {
  const port = await findFreePort();
  const child = spawn(process.execPath, [CLI, 'start'], {
    env: { PATH: process.env.PATH ?? '', ...env, HTTP_PORT: String(port), DEMO: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const httpUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`engine exited early (${child.exitCode}): ${output}`);
    try {
      const response = await fetch(`${httpUrl}/health/ready`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`engine did not become ready: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, httpUrl, output: () => output, exited };
}
