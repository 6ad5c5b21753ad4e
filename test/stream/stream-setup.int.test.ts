import { Writable } from 'node:stream';
import { jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  StreamSetupError,
  ensureStreams,
  partitionStreamName,
  type StreamNames,
  type StreamSettings,
} from '../../src/stream/index.js';
import { connectTestNats, uniqueStreamNames } from '../support/nats.js';

const NANOS_PER_MS = 1_000_000;

/** A pino logger whose lines land in `lines`, to check what setup logged. */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

function testNames(): StreamNames {
  return uniqueStreamNames('s');
}

describe('ensureStreams', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const created: string[] = [];

  beforeAll(async () => {
    nc = await connectTestNats();
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    for (const stream of created) await jsm.streams.delete(stream).catch(() => false);
    await nc.close();
  });

  function settingsFor(names: StreamNames, overrides: Partial<StreamSettings> = {}): StreamSettings {
    created.push(names.cdrStream, names.dlqStream, names.feedStream, names.alertsStream, names.casesStream);
    return {
      partitions: 8,
      cdrMaxAgeMs: 26 * 3_600_000,
      duplicateWindowMs: 120_000,
      cdrLayout: 'single',
      names,
      ...overrides,
    };
  }

  it('creates the five streams, then reports them unchanged', async () => {
    const names = testNames();
    const { logger, lines } = capturingLogger();
    const first = await ensureStreams(jsm, settingsFor(names), logger);
    expect(first).toEqual([
      { stream: names.cdrStream, action: 'created' },
      { stream: names.dlqStream, action: 'created' },
      { stream: names.feedStream, action: 'created' },
      { stream: names.alertsStream, action: 'created' },
      { stream: names.casesStream, action: 'created' },
    ]);
    expect(lines.filter((line) => line.msg === 'stream created').map((line) => line.stream)).toEqual([
      names.cdrStream,
      names.dlqStream,
      names.feedStream,
      names.alertsStream,
      names.casesStream,
    ]);

    const cdr = (await jsm.streams.info(names.cdrStream)).config;
    expect(cdr.subjects).toEqual([`${names.cdrSubjectPrefix}.*`]);
    expect(cdr.storage).toBe(StorageType.File);
    expect(cdr.discard).toBe('old');
    expect(cdr.max_age).toBe(26 * 3_600_000 * NANOS_PER_MS);
    expect(cdr.duplicate_window).toBe(120_000 * NANOS_PER_MS);
    const dlq = (await jsm.streams.info(names.dlqStream)).config;
    expect(dlq.subjects).toEqual([names.dlqSubject]);
    expect(dlq.max_age).toBe(14 * 86_400_000 * NANOS_PER_MS);
    const alerts = (await jsm.streams.info(names.alertsStream)).config;
    expect(alerts.subjects).toEqual([`${names.alertsSubjectPrefix}.>`]);
    expect(alerts.duplicate_window).toBeGreaterThanOrEqual(120_000 * NANOS_PER_MS);
    // Case events in a stream of their own: a consumer of all of ALERTS still receives alerts only.
    const cases = (await jsm.streams.info(names.casesStream)).config;
    expect(cases.subjects).toEqual([`${names.casesSubjectPrefix}.>`]);
    expect(cases.duplicate_window).toBe(86_400_000 * NANOS_PER_MS);
    expect(cases.max_age).toBe(30 * 86_400_000 * NANOS_PER_MS);
    expect(cases.num_replicas).toBe(1);
    const feed = (await jsm.streams.info(names.feedStream)).config;
    expect(feed.subjects).toEqual([`${names.feedSubjectPrefix}.*`]);
    expect(feed.retention).toBe(RetentionPolicy.Workqueue);
    expect(feed.max_age).toBe(26 * 3_600_000 * NANOS_PER_MS);

    lines.length = 0;
    const second = await ensureStreams(jsm, settingsFor(names), logger);
    expect(second.map((change) => change.action)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(lines).toEqual([]);
  });

  it('updates max_age in place and logs the change', async () => {
    const names = testNames();
    const { logger, lines } = capturingLogger();
    await ensureStreams(jsm, settingsFor(names), logger);
    const changes = await ensureStreams(jsm, settingsFor(names, { cdrMaxAgeMs: 48 * 3_600_000 }), logger);
    expect(changes).toEqual([
      { stream: names.cdrStream, action: 'updated', changed: ['max_age'] },
      { stream: names.dlqStream, action: 'unchanged' },
      // The feed keeps records as long as the CDR stream by default.
      { stream: names.feedStream, action: 'updated', changed: ['max_age'] },
      { stream: names.alertsStream, action: 'unchanged' },
      { stream: names.casesStream, action: 'unchanged' },
    ]);
    expect((await jsm.streams.info(names.cdrStream)).config.max_age).toBe(48 * 3_600_000 * NANOS_PER_MS);
    expect(lines.find((line) => line.msg === 'stream updated')).toMatchObject({
      level: 30,
      stream: names.cdrStream,
      changed: ['max_age'],
    });
  });

  it('keeps the duplicate window at two minutes or more', async () => {
    const names = testNames();
    await ensureStreams(jsm, settingsFor(names, { duplicateWindowMs: 5_000 }), capturingLogger().logger);
    expect((await jsm.streams.info(names.cdrStream)).config.duplicate_window).toBe(120_000 * NANOS_PER_MS);
  });

  it('refuses to change what JetStream cannot change in place', async () => {
    const names = testNames();
    const settings = settingsFor(names);
    await jsm.streams.add({
      name: names.cdrStream,
      subjects: [`${names.cdrSubjectPrefix}.*`],
      storage: StorageType.Memory,
    });
    const error = await ensureStreams(jsm, settings, capturingLogger().logger).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamSetupError);
    expect((error as StreamSetupError).code).toBe('SENTINEL_STREAM_SETUP_FAILED');
    expect((error as Error).message).toContain('storage');
  });

  it('wraps JetStream API errors with the cause kept', async () => {
    const names = testNames();
    const error = await ensureStreams(
      jsm,
      settingsFor(names, { names: { ...names, cdrStream: 'bad.name' } }),
      capturingLogger().logger,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamSetupError);
    expect((error as StreamSetupError).resource).toBe('bad.name');
    expect((error as StreamSetupError).cause).toBeInstanceOf(Error);
  });

  it('creates one CDR stream per partition in the per-partition layout, each holding only its subject', async () => {
    const names = testNames();
    const settings = settingsFor(names, { partitions: 3, cdrLayout: 'per-partition' });
    const streams = [0, 1, 2].map((p) => partitionStreamName(names.cdrStream, p));
    created.push(...streams);
    const changes = await ensureStreams(jsm, settings, pino({ level: 'silent' }));
    expect(changes.slice(0, 3)).toEqual(streams.map((stream) => ({ stream, action: 'created' })));
    for (const [p, stream] of streams.entries()) {
      const { config } = await jsm.streams.info(stream);
      expect(config.subjects).toEqual([`${names.cdrSubjectPrefix}.${p}`]);
    }
    await expect(jsm.streams.info(names.cdrStream)).rejects.toThrow();
    expect(
      (await ensureStreams(jsm, settings, pino({ level: 'silent' }))).every((c) => c.action === 'unchanged'),
    ).toBe(true);
  });
});
