/**
 * `sentinel publish --profile`: switch formats converted on the client and published partitioned with
 * Msg-Id = call_id, against a real nats-server (unique streams per run).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runPublishCommand, type PublishSummary } from '../../src/cli/publish-command.js';
import { decodeCdr, partitionOf } from '../../src/codec/index.js';
import { ensureStreams, type StreamNames } from '../../src/stream/index.js';
import { fixtureBytes, fixtureText } from '../codec/formats/fixtures.js';
import { connectTestNats, uniqueStreamNames } from '../support/nats.js';

const PARTITIONS = 4;

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

async function run(
  args: string[],
  stdin: string | Buffer = '',
): Promise<{ code: number; summary: PublishSummary | undefined; stderr: string }> {
  const stdout = collector();
  const stderr = collector();
  const code = await runPublishCommand(
    args,
    { stdin: Readable.from([Buffer.from(stdin)]), stdout: stdout.stream, stderr: stderr.stream },
    { natsUrl: inject('natsUrl'), partitions: PARTITIONS, logger: pino({ level: 'silent' }) },
  );
  const first = stdout.text().split('\n')[0] ?? '';
  return {
    code,
    summary: first.startsWith('{') ? (JSON.parse(first) as PublishSummary) : undefined,
    stderr: stderr.text(),
  };
}

describe('sentinel publish --profile', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let names: StreamNames;
  let folder: string;

  beforeAll(async () => {
    nc = await connectTestNats();
    jsm = await jetstreamManager(nc);
    names = uniqueStreamNames('p');
    await ensureStreams(
      jsm,
      {
        partitions: PARTITIONS,
        cdrMaxAgeMs: 3_600_000 * 3,
        duplicateWindowMs: 120_000,
        cdrLayout: 'single',
        names,
      },
      pino({ level: 'silent' }),
    );
    folder = mkdtempSync(join(tmpdir(), 'sentinel-publish-profiles-'));
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

  /** The stored message with this Msg-Id's call_id, decoded, and the subject it is on. */
  async function stored(
    callId: string,
  ): Promise<{ subject: string; caller: number; startMs: number; msgId: string | undefined }> {
    const info = await jsm.streams.info(names.cdrStream);
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const message = await jsm.streams.getMessage(names.cdrStream, { seq });
      if (message === null) continue;
      const decoded = decodeCdr(message.data);
      if (decoded.ok && decoded.cdr.callId === callId)
        return {
          subject: message.subject,
          caller: decoded.cdr.caller,
          startMs: decoded.cdr.startMs,
          msgId: message.header.get('Nats-Msg-Id'),
        };
    }
    throw new Error(`no stored message for ${callId}`);
  }

  it('publishes FreeSWITCH documents concatenated without newlines, B leg deduplicated against its A leg', async () => {
    const input = Buffer.concat([
      fixtureBytes('freeswitch-a-leg-answered.json'),
      fixtureBytes('freeswitch-unanswered-encoded.json'),
      fixtureBytes('freeswitch-b-leg.json'),
      Buffer.from('{"variables":{"uuid":"x-1","caller_id_number":"anonymous"}}'),
    ]);
    const result = await run(
      ['--profile', 'freeswitch', '--country-code', '234', '--subject-prefix', names.cdrSubjectPrefix],
      input,
    );
    expect(result.code).toBe(1);
    expect(result.summary).toMatchObject({
      format: 'ndjson',
      profile: 'freeswitch',
      records: 4,
      published: 3,
      acked: 3,
      duplicates: 1,
      invalid: 1,
    });
    expect(result.summary?.invalidRecords).toEqual([
      expect.stringMatching(/^Record 4 \(line \d+\): invalid_caller \(caller\): /),
    ]);
    const aLeg = await stored('a5c9f6c0-e752-11e3-8bfb-65b6c3cdac7d');
    expect(aLeg).toMatchObject({ caller: 2348031234567, msgId: 'a5c9f6c0-e752-11e3-8bfb-65b6c3cdac7d' });
    expect(aLeg.subject).toBe(`${names.cdrSubjectPrefix}.${partitionOf('2348031234567', PARTITIONS)}`);
  });

  it('publishes Asterisk Master.csv in the switch zone, and a mapped mediation file', async () => {
    const master = join(folder, 'Master.csv');
    writeFileSync(master, fixtureBytes('asterisk-master.csv'));
    const asterisk = await run([
      master,
      '--profile',
      'asterisk-csv',
      '--time-zone',
      'Africa/Lagos',
      '--country-code',
      '234',
      '--trunk-prefix',
      '0',
      '--subject-prefix',
      names.cdrSubjectPrefix,
    ]);
    expect(asterisk.summary).toMatchObject({
      format: 'csv',
      profile: 'asterisk-csv',
      records: 6,
      published: 5,
      invalid: 1,
    });
    expect(asterisk.summary?.invalidRecords).toEqual([
      expect.stringMatching(/^Row 5: invalid_callee \(callee\)/),
    ]);
    expect((await stored('1717001990.26')).startMs).toBe(Date.UTC(2024, 4, 29, 16, 59, 50));

    const mapping = join(folder, 'mediation.yaml');
    writeFileSync(mapping, fixtureText('mediation.yaml'));
    const mediation = await run(
      ['--profile', 'mapping', '--mapping', mapping, '--subject-prefix', names.cdrSubjectPrefix],
      fixtureBytes('mediation-records.ndjson'),
    );
    expect(mediation.summary).toMatchObject({ profile: 'mediation', records: 3, published: 2, invalid: 1 });
    expect((await stored('MSC1-000002')).caller).toBe(2348031234567);
  });

  it('checks a mapping file without publishing in a dry run', async () => {
    const mapping = join(folder, 'check.yaml');
    writeFileSync(mapping, fixtureText('mediation.yaml'));
    const before = (await jsm.streams.info(names.cdrStream)).state.messages;
    const result = await run(
      ['--profile', 'mapping', '--mapping', mapping, '--dry-run', '--subject-prefix', names.cdrSubjectPrefix],
      fixtureBytes('mediation-records.ndjson'),
    );
    expect(result.summary).toMatchObject({
      dryRun: true,
      profile: 'mediation',
      records: 3,
      invalid: 1,
      published: 0,
    });
    expect(result.summary?.invalidRecords).toEqual([
      'Record 3 (line 3): invalid_start (start): start "2024-05-29T18:02:00" does not match the format DD/MM/YYYY HH:mm:ss',
    ]);
    expect((await jsm.streams.info(names.cdrStream)).state.messages).toBe(before);
  });

  it('refuses unknown profiles and broken mapping files with exit code 2, naming the key', async () => {
    const unknown = await run(['--profile', 'cisco', '--subject-prefix', names.cdrSubjectPrefix]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown input profile "cisco"');
    const broken = join(folder, 'broken.yaml');
    writeFileSync(
      broken,
      'fields:\n  caller: a\n  callee: b\n  start: { path: t, format: "DD.MM.YYYY" }\n  duration: d\n',
    );
    const bad = await run([
      '--profile',
      'mapping',
      '--mapping',
      broken,
      '--subject-prefix',
      names.cdrSubjectPrefix,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`mapping file ${broken}: fields.start.format:`);
    expect((await run(['--profile', 'mapping'])).stderr).toContain('needs a mapping file');
    expect((await run(['--profile', 'freeswitch', '--country-code', '0'])).code).toBe(2);
  });
});
