/**
 * sipp for the feed tests: one callee side (UAS) that answers what the proxy sends, and caller runs (UAC) that
 * place one call per CSV line and resolve when every call has finished. Scenarios live in
 * deploy/kamailio/sipp/.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OutputTail, findFreeUdpPort, isUdpPortTaken, requireTool } from './sip-tools.js';

export const CALLER_SCENARIO = fileURLToPath(
  new URL('../../deploy/kamailio/sipp/caller.xml', import.meta.url),
);
export const CALLEE_SCENARIO = fileURLToPath(
  new URL('../../deploy/kamailio/sipp/callee.xml', import.meta.url),
);

export interface PlannedCall {
  caller: string;
  callee: string;
}

/** Writes the CSV the caller scenario reads ([field0] caller, [field1] callee), one line per call. */
export function writeCallsCsv(path: string, calls: readonly PlannedCall[]): void {
  writeFileSync(
    path,
    ['SEQUENTIAL', ...calls.map((call) => `${call.caller};${call.callee};`), ''].join('\n'),
  );
}

export interface SippCallee {
  port: number;
  stop(): Promise<void>;
}

/** Starts the callee side on a free UDP port of loopback and waits until it holds the port. */
export async function startSippCallee(workDir: string): Promise<SippCallee> {
  const binary = requireTool('sipp');
  const port = await findFreeUdpPort();
  const errorFile = join(workDir, 'callee-errors.log');
  const args = ['-sf', CALLEE_SCENARIO, '-i', '127.0.0.1', '-p', String(port), '-nostdin'];
  const child = spawn(binary, [...args, '-trace_err', '-error_file', errorFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = new OutputTail(4_096);
  child.stdout?.on('data', (chunk: Buffer) => output.append(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.append(chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + 10_000;
  while (!(await isUdpPortTaken(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sipp (callee) did not start on udp:127.0.0.1:${port}:\n${output.toString()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface CallerRun {
  /** The proxy, `127.0.0.1:<port>`. */
  target: string;
  csvPath: string;
  calls: number;
  /** New calls per second. */
  ratePerSecond: number;
  /** How long each answered call is held before the caller hangs up. */
  holdMs: number;
  /** Where sipp writes its error log (read into the failure message). */
  errorFile: string;
  /** sipp gives up, failing, after this long. @default 30 */
  timeoutSeconds?: number;
}

/** Places `calls` calls through the proxy; resolves when sipp exits 0 (every call completed its scenario). */
export async function runSippCaller(run: CallerRun): Promise<void> {
  const binary = requireTool('sipp');
  const timeout = String(run.timeoutSeconds ?? 30);
  const args = [run.target, '-sf', CALLER_SCENARIO, '-inf', run.csvPath, '-i', '127.0.0.1', '-nostdin'];
  args.push('-m', String(run.calls), '-r', String(run.ratePerSecond), '-d', String(run.holdMs));
  args.push('-timeout', `${timeout}s`, '-timeout_error', '-trace_err', '-error_file', run.errorFile);
  // A stray response out of order (UDP through a proxy with several workers) is legal SIP: log it and carry
  // on instead of aborting the call. Whether every call happened is checked on its CDR.
  args.push('-default_behaviors', 'all,-abortunexp');
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = new OutputTail(4_096);
  child.stdout?.on('data', (chunk: Buffer) => output.append(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.append(chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode));
  });
  // sipp: 0 = every call succeeded, 1 = some failed, 97/99/255 = stopped early or could not start.
  if (code !== 0) {
    const errors = existsSync(run.errorFile) ? readFileSync(run.errorFile, 'utf8').slice(-4_000) : '';
    throw new Error(`sipp (caller, ${run.csvPath}) exited with ${code}:\n${errors}\n${output.toString()}`);
  }
}
