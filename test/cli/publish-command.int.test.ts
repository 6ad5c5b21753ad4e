import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { runPublishCommand, type PublishSummary } from '../../src/cli/publish-command.js';
import { partitionOf } from '../../src/codec/index.js';
import { ensureStreams, type StreamNames } from '../../src/stream/index.js';
import { connectTestNats, uniqueStreamNames } from '../support/nats.js';

const PARTITIONS = 4;
const logger = pino({ level: 'silent' });

interface Run {
  code: number;
  summary: PublishSummary | undefined;
  stdout: string;
  stderr: string;
}

function collector(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

async function run(args: string[], stdin: string | Readable = ''): Promise<Run> {
  const stdout = collector();
  const stderr = collector();
  const code = await runPublishCommand(
    args,
    {
      stdin: typeof stdin === 'string' ? Readable.from([Buffer.from(stdin)]) : stdin,
      stdout: stdout.stream,
      stderr: stderr.stream,
    },
    { natsUrl: inject('natsUrl'), partitions: PARTITIONS, logger },
  );
  const firstLine = stdout.text().split('\n')[0] ?? '';
  return {
    code,
    summary: firstLine.startsWith('{') ? (JSON.parse(firstLine) as PublishSummary) : undefined,
    stdout: stdout.text(),
    stderr: stderr.text(),
  };
}

describe('sentinel publish', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let names: StreamNames;
  let folder: string;
  const startIso = (offsetSeconds: number): string =>
    new Date(Date.now() - 3_600_000 + offsetSeconds * 1000).toISOString();

  beforeAll(async () => {
    nc = await connectTestNats();
    jsm = await jetstreamManager(nc);
    names = uniqueStreamNames('c');
    await ensureStreams(
      jsm,
      {
        partitions: PARTITIONS,
        cdrMaxAgeMs: 3_600_000 * 3,
        duplicateWindowMs: 120_000,
        cdrLayout: 'single',
        names,
      },
      logger,
    );
    folder = mkdtempSync(join(tmpdir(), 'sentinel-publish-'));
  });

  afterAll(async () => {
    for (const stream of [
      names.cdrStream,
      names.dlqStream,
      names.alertsStream,
      names.feedStream,
      names.casesStream,
    ])
      await jsm.streams.delete(stream).catch(() => false);
    await nc.close();
    rmSync(folder, { recursive: true, force: true });
  });

  async function subjectCounts(): Promise<Record<string, number>> {
    return (await jsm.streams.info(names.cdrStream, { subjects_filter: '>' })).state.subjects ?? {};
  }

  it('publishes NDJSON from stdin on partition subjects and reports invalid lines', async () => {
    const line = (callId: string, caller: string): string =>
      JSON.stringify({ call_id: callId, caller, callee: '2348098765432', start: startIso(1), duration: 2 });
    const input = [
      line('nd-1', '+2348012345678'),
      '{"call_id": "nd-2", "caller":',
      line('nd-3', '2348012345679'),
      line('nd-4', '+234ABC123'),
      '',
      line('nd-5', '15551234567'),
    ].join('\r\n');
    const result = await run(['-', '--subject-prefix', names.cdrSubjectPrefix], input);
    expect(result.code).toBe(1);
    expect(result.summary).toMatchObject({
      format: 'ndjson',
      records: 5,
      published: 3,
      acked: 3,
      invalid: 2,
      failed: 0,
    });
    expect(result.summary?.invalidRecords).toEqual([
      'Line 2: invalid_json: message is not valid JSON',
      expect.stringMatching(/^Line 4: invalid_caller \(caller\): caller must be an E\.164/),
    ]);
    const counts = await subjectCounts();
    for (const caller of ['2348012345678', '2348012345679', '15551234567']) {
      expect(counts[`${names.cdrSubjectPrefix}.${partitionOf(caller, PARTITIONS)}`]).toBeGreaterThanOrEqual(
        1,
      );
    }
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('publishes a CSV file in the seed format, and a re-upload only adds duplicates', async () => {
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const file = join(folder, 'calls.csv');
    writeFileSync(
      file,
      [
        'call_date,call_time,caller_number,callee_number,duration_seconds,call_direction',
        `${day},10:00:00,+2348011111111,2348098765432,2,outbound`,
        `${day},10:00:01,+234ABC123,2348098765432,2,outbound`,
        `${day},10:00:02,+2348011111111,2348098765433,1,`,
      ].join('\n'),
    );
    const before = Object.values(await subjectCounts()).reduce((a, b) => a + b, 0);
    const first = await run([file, `--subject-prefix=${names.cdrSubjectPrefix}`, '--rate', '1000']);
    expect(first.code).toBe(1);
    expect(first.summary).toMatchObject({
      format: 'csv',
      records: 3,
      published: 2,
      duplicates: 0,
      invalid: 1,
    });
    expect(first.summary?.invalidRecords).toEqual([
      'Row 2: Invalid phone number format: +234ABC123 (caller_number)',
    ]);

    const again = await run([file, '--subject-prefix', names.cdrSubjectPrefix]);
    expect(again.summary).toMatchObject({ published: 2, acked: 2, duplicates: 2 });
    expect(Object.values(await subjectCounts()).reduce((a, b) => a + b, 0)).toBe(before + 2);
  });

  it('detects CSV on stdin and exits 0 when every record is stored', async () => {
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const csv = `call_date,call_time,caller_number,callee_number,duration_seconds\n${day},11:00:00,2348022222222,2348098765432,5\n`;
    const result = await run(['--subject-prefix', names.cdrSubjectPrefix], csv);
    expect(result.code).toBe(0);
    expect(result.summary).toMatchObject({ format: 'csv', records: 1, published: 1, acked: 1, invalid: 0 });
    expect(result.stderr).toBe('');
  });

  it('rejects bad arguments and unusable input with exit code 2', async () => {
    const badRate = await run(['--rate', 'fast']);
    expect(badRate.code).toBe(2);
    expect(badRate.stderr).toContain('--rate needs a positive integer');
    expect((await run(['--format', 'xml'])).code).toBe(2);
    expect((await run(['--time-zone', 'Mars/Olympus'])).code).toBe(2);
    expect((await run(['a.csv', 'b.csv'])).code).toBe(2);

    const missing = await run([join(folder, 'nope.ndjson'), '--subject-prefix', names.cdrSubjectPrefix]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('ENOENT');

    const badHeader = await run(
      ['--format', 'csv', '--subject-prefix', names.cdrSubjectPrefix],
      'date,caller\n2024-01-01,1\n',
    );
    expect(badHeader.code).toBe(2);
    expect(badHeader.stderr).toContain('CSV header: Missing required columns');

    for (const format of ['csv', 'ndjson']) {
      let sent = false;
      const failing = new Readable({
        read() {
          if (sent) return;
          sent = true;
          this.push(
            format === 'csv' ? 'call_date,call_time,caller_number,callee_number,duration_seconds\n' : '{}\n',
          );
          this.destroy(new Error('disk gone'));
        },
      });
      const broken = await run(['--format', format, '--subject-prefix', names.cdrSubjectPrefix], failing);
      expect(broken.code).toBe(2);
      expect(broken.stderr).toContain('disk gone');
    }

    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: sentinel publish');
  });
});
