/**
 * A real Kamailio running deploy/kamailio/kamailio.cfg on a free UDP port of loopback, for the feed tests. The
 * configuration's defines (NATS_URL, GATEWAY_URI, SWITCH_NAME) are set on the command line, as an operator
 * would; the listening socket comes from `-l`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INSTALL_HINT, OutputTail, findFreeUdpPort, requireTool } from './sip-tools.js';

export const KAMAILIO_CONFIG = fileURLToPath(new URL('../../deploy/kamailio/kamailio.cfg', import.meta.url));

export interface KamailioOptions {
  natsUrl: string;
  /** Where the proxy sends new calls: the callee side, `sip:127.0.0.1:<port>`. */
  gatewayUri: string;
  /** The `switch` written into every record. */
  switchName: string;
  /** Ready means answering SIP OPTIONS; fail after this long. @default 15_000 */
  startTimeoutMs?: number;
}

export interface KamailioProcess {
  /** UDP port on 127.0.0.1 that callers send INVITEs to. */
  port: number;
  /** The last part of Kamailio's log (stderr), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

function definesFor(options: KamailioOptions): string[] {
  const quoted = (text: string): string => `"${text.replace(/["\\]/g, '')}"`;
  return [
    ['NATS_URL', options.natsUrl],
    ['GATEWAY_URI', options.gatewayUri],
    ['SWITCH_NAME', options.switchName],
  ].flatMap(([name, value]) => ['-A', `${name}=${quoted(value ?? '')}`]);
}

/** Sends SIP OPTIONS to the proxy and resolves true when it answers 200 within `timeoutMs`. */
async function answersOptions(port: number, timeoutMs: number): Promise<boolean> {
  const socket = createSocket('udp4');
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      socket.once('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
      socket.on('message', (message) => {
        if (message.toString('latin1').startsWith('SIP/2.0 200')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      socket.bind(0, '127.0.0.1', () => {
        const local = socket.address().port;
        const probe = `${Date.now()}-${local}`;
        const request =
          `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\n` +
          `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-${probe}\r\n` +
          `Max-Forwards: 70\r\n` +
          `From: <sip:probe@127.0.0.1:${local}>;tag=${probe}\r\n` +
          `To: <sip:127.0.0.1:${port}>\r\n` +
          `Call-ID: probe-${probe}@127.0.0.1\r\n` +
          `CSeq: 1 OPTIONS\r\n` +
          `Content-Length: 0\r\n\r\n`;
        socket.send(request, port, '127.0.0.1');
      });
    });
  } finally {
    socket.close();
  }
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startKamailio(options: KamailioOptions): Promise<KamailioProcess> {
  const binary = requireTool('kamailio');
  const defines = definesFor(options);
  // The configuration check names what is wrong (a missing nats.so, a syntax error) before anything runs.
  const check = spawnSync(binary, ['-c', '-f', KAMAILIO_CONFIG, ...defines], { encoding: 'utf8' });
  if (check.status !== 0) {
    const output = `${check.stdout}${check.stderr}`.trim().split('\n').slice(-15).join('\n');
    const hint = /nats\.so|could not find module/i.test(output) ? ` ${INSTALL_HINT}` : '';
    throw new Error(`kamailio rejected ${KAMAILIO_CONFIG}:${hint}\n${output}`);
  }

  const runDir = mkdtempSync(join(tmpdir(), 'sentinel-kamailio-'));
  const port = await findFreeUdpPort();
  // -DD: stay in the foreground (children still fork); -E: log to stderr; -x qm: see deploy/kamailio/README.md;
  // -Y, -w: runtime files and working directory in our own folder. Its own process group, so stop() can end
  // every child it forked.
  const args = [
    '-f',
    KAMAILIO_CONFIG,
    '-DD',
    '-E',
    '-x',
    'qm',
    '-m',
    '64',
    '-M',
    '8',
    '-Y',
    runDir,
    '-w',
    runDir,
  ];
  const child = spawn(binary, [...args, '-l', `udp:127.0.0.1:${port}`, ...defines], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const log = new OutputTail();
  child.stdout?.on('data', (chunk: Buffer) => log.append(chunk));
  child.stderr?.on('data', (chunk: Buffer) => log.append(chunk));

  // Kamailio 5.6.3 ends with SIGSEGV when it stops (its nats module's cleanup; deploy/kamailio/README.md): the
  // exit status says nothing here, so stop() only waits for the process to be gone.
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 5_000))) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // the group is gone already
        }
        await waitForExit(child, 2_000);
      }
    }
    rmSync(runDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  while (!(await answersOptions(port, 200))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const why =
        child.exitCode !== null ? `exited with ${child.exitCode}` : 'did not answer OPTIONS in time';
      await stop();
      throw new Error(`kamailio ${why} on udp:127.0.0.1:${port}:\n${log.toString().slice(-4_000)}`);
    }
  }
  return { port, log: () => log.toString(), stop };
}
