/**
 * What the SIP feed tests share: finding kamailio and sipp (a missing tool fails the test with the command that
 * installs it, never skips it), free UDP ports on loopback, and waiting until a UDP port is taken.
 */
import { accessSync, constants } from 'node:fs';
import { createSocket } from 'node:dgram';
import { delimiter, join } from 'node:path';

/** The Debian packages the SIP feed tests need; scripts/bootstrap.sh installs them with the argument `test`. */
export const SIP_TEST_PACKAGES = ['kamailio', 'kamailio-nats-modules', 'sip-tester'] as const;

export const INSTALL_HINT =
  `Run \`bash scripts/bootstrap.sh test\` as root (npm test does), or install them yourself: ` +
  `apt-get install -y ${SIP_TEST_PACKAGES.join(' ')}`;

function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

function missingToolsError(missing: readonly string[]): Error {
  const [verb, pronoun] = missing.length === 1 ? ['is', 'it'] : ['are', 'them'];
  return new Error(
    `${missing.join(' and ')} ${verb} not installed; the Kamailio feed test needs ${pronoun}. ${INSTALL_HINT}`,
  );
}

/** The absolute path of `name` on PATH, /usr/sbin or /usr/bin; throws with the install command otherwise. */
export function requireTool(name: 'kamailio' | 'sipp'): string {
  const path = findTool(name);
  if (path === undefined) throw missingToolsError([name]);
  return path;
}

/** Throws, naming every missing tool and how to install it, unless both kamailio and sipp are installed. */
export function requireSipTools(): void {
  const missing = ['kamailio', 'sipp'].filter((name) => findTool(name) === undefined);
  if (missing.length > 0) throw missingToolsError(missing);
}

async function bindUdp(port: number): Promise<number | undefined> {
  const socket = createSocket('udp4');
  return await new Promise((resolve) => {
    socket.once('error', () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind(port, '127.0.0.1', () => {
      const bound = socket.address().port;
      socket.close(() => resolve(bound));
    });
  });
}

/** A UDP port on loopback that was free a moment ago (a small race remains until the caller binds it). */
export async function findFreeUdpPort(): Promise<number> {
  const port = await bindUdp(0);
  if (port === undefined) throw new Error('could not find a free UDP port on 127.0.0.1');
  return port;
}

/** True when a process holds the UDP port on loopback (we cannot bind it ourselves). */
export async function isUdpPortTaken(port: number): Promise<boolean> {
  return (await bindUdp(port)) === undefined;
}

/** Keeps the last `maxChars` characters written to a child's stream, for error messages. */
export class OutputTail {
  private text = '';

  constructor(private readonly maxChars = 16_384) {}

  append(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-this.maxChars);
  }

  toString(): string {
    return this.text;
  }
}
