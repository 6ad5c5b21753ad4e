import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, findNatsServerBinary, isPortOpen } from '../../src/embedded/index.js';
import { cdrSubject } from '../../src/stream/index.js';
import { fnv1a32, fnv1a32Bytes, partitionOf, partitionOfCaller } from '../../src/codec/index.js';

describe('fnv1a32', () => {
  it('matches the FNV-1a reference vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(fnv1a32Bytes(new TextEncoder().encode('foobar'))).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes of non-ASCII text, as nats-server does', () => {
    expect(fnv1a32('é')).toBe(fnv1a32Bytes(Uint8Array.of(0xc3, 0xa9)));
  });

  // Published in the NATS documentation ("Subject Mapping and Partitioning") for {{partition(3,1)}} and
  // {{partition(10,1,2)}}; the second hashes the two tokens concatenated.
  it.each([
    ['customerid1', 3, 0],
    ['customerid2', 3, 2],
    ['customerid3', 3, 1],
    ['customerid4', 3, 2],
    ['customerid5', 3, 1],
    ['customerid6', 3, 0],
    ['1a', 10, 1],
    ['1b', 10, 0],
    ['2b', 10, 9],
    ['2a', 10, 2],
  ])('partitionOf(%s, %i) is %i as in the NATS docs', (token, partitions, expected) => {
    expect(partitionOf(token, partitions)).toBe(expected);
  });

  it('gives the same partition for a caller as an integer and as digits', () => {
    fc.assert(
      fc.property(
        fc.bigInt(10n, 999_999_999_999_999n),
        fc.integer({ min: 1, max: 1024 }),
        (caller, partitions) => {
          expect(partitionOfCaller(Number(caller), partitions)).toBe(
            partitionOf(caller.toString(), partitions),
          );
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('builds partition subjects and rejects a bad partition count', () => {
    expect(cdrSubject(7)).toBe('cdr.in.7');
    expect(cdrSubject(0, 'test.cdr')).toBe('test.cdr.0');
    expect(() => partitionOf('234', 0)).toThrow(RangeError);
    expect(() => partitionOfCaller(234, 1.5)).toThrow(RangeError);
  });
});

/**
 * The contract is that we agree with the server's own `{{partition(P,1)}}` mapping. This starts a private
 * nats-server (the suite's shared one cannot take mappings) with mappings for P = 16 and P = 7, and compares.
 */
describe('partitionOf agrees with nats-server subject mapping', () => {
  let server: ChildProcess | undefined;
  let url = '';
  let folder = '';

  beforeAll(async () => {
    const binary = findNatsServerBinary(process.env.PATH);
    if (binary === undefined)
      throw new Error('nats-server binary not found (scripts/bootstrap.sh installs it)');
    const port = await findFreePort();
    folder = mkdtempSync(join(tmpdir(), 'sentinel-mapping-'));
    const config = join(folder, 'mapping.conf');
    writeFileSync(
      config,
      [
        `listen: 127.0.0.1:${port}`,
        'mappings = {',
        '  "map16.*": "out16.{{partition(16,1)}}.{{wildcard(1)}}"',
        '  "map7.*": "out7.{{partition(7,1)}}.{{wildcard(1)}}"',
        '}',
      ].join('\n'),
    );
    server = spawn(binary, ['-c', config], { stdio: 'ignore' });
    for (let i = 0; i < 200 && !(await isPortOpen(port)); i++) await new Promise((r) => setTimeout(r, 25));
    url = `nats://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    if (server !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(folder, { recursive: true, force: true });
  });

  it('maps 200 random callers to the same partitions for P = 16 and P = 7', async () => {
    const callers = [
      ...new Set(fc.sample(fc.bigInt(10n, 999_999_999_999_999n), { numRuns: 200, seed: 42 }).map(String)),
    ];
    const nc = await connect({ servers: url });
    try {
      const seen = new Map<string, string>();
      const subscription = nc.subscribe('>', {
        callback: (_error, msg) => {
          if (msg.subject.startsWith('out'))
            seen.set(msg.subject.replace(/\.\d+\.(\d+)$/, '.$1'), msg.subject);
        },
      });
      for (const caller of callers) {
        nc.publish(`map16.${caller}`);
        nc.publish(`map7.${caller}`);
      }
      await nc.flush();
      for (let i = 0; i < 200 && seen.size < callers.length * 2; i++)
        await new Promise((r) => setTimeout(r, 10));
      subscription.unsubscribe();
      expect(seen.size).toBe(callers.length * 2);
      for (const caller of callers) {
        expect(seen.get(`out16.${caller}`)).toBe(`out16.${partitionOf(caller, 16)}.${caller}`);
        expect(seen.get(`out7.${caller}`)).toBe(`out7.${partitionOfCaller(Number(caller), 7)}.${caller}`);
      }
    } finally {
      await nc.close();
    }
  });
});
