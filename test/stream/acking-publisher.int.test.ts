import { Writable } from 'node:stream';
import { jetstreamManager, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection, PublishOptions } from '@nats-io/nats-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AckingPublisher,
  AlertPublisher,
  CdrPublisher,
  DeadLetterPublisher,
  PublishFailedError,
  PublisherClosedError,
  ensureStreams,
  type StreamNames,
} from '../../src/stream/index.js';
import { partitionOfCaller, type Cdr } from '../../src/codec/index.js';
import type { AlertMessage } from '../../src/windows/index.js';
import { connectTestNats, uniqueName, uniqueStreamNames } from '../support/nats.js';

const PARTITIONS = 8;
const silent = pino({ level: 'silent' }, new Writable({ write: (_c, _e, done) => done() }));

function cdrNumber(i: number): Cdr {
  return {
    callId: `pub-test-${i}`,
    caller: 2348000000000 + (i % 997),
    callee: 2349000000000 + i,
    startMs: Date.UTC(2024, 5, 1) + i * 1_000,
    durationSeconds: i % 5,
  };
}

/** Messages stored per subject of a stream. */
async function subjectCounts(jsm: JetStreamManager, stream: string): Promise<Record<string, number>> {
  const info = await jsm.streams.info(stream, { subjects_filter: '>' });
  return info.state.subjects ?? {};
}

/**
 * A connection whose first `count` publishes are tampered with (fault injection only; the server is real):
 * `drop` never sends them, `lose-ack` sends them with a reply subject nobody listens on.
 */
function faultyConnection(nc: NatsConnection, mode: 'drop' | 'lose-ack', count: number): NatsConnection {
  let remaining = count;
  return new Proxy(nc, {
    get(target, property, receiver) {
      if (property !== 'publish') return Reflect.get(target, property, receiver) as unknown;
      return (subject: string, data: Uint8Array, options?: PublishOptions) => {
        if (remaining > 0) {
          remaining--;
          if (mode === 'drop') return;
          target.publish(subject, data, { ...options, reply: `_INBOX.lost.${remaining}` });
          return;
        }
        target.publish(subject, data, options);
      };
    },
  });
}

describe('acking publishers against JetStream', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let names: StreamNames;

  beforeAll(async () => {
    nc = await connectTestNats();
    jsm = await jetstreamManager(nc);
    names = uniqueStreamNames('p');
    await ensureStreams(
      jsm,
      {
        partitions: PARTITIONS,
        cdrMaxAgeMs: 3_600_000,
        duplicateWindowMs: 120_000,
        cdrLayout: 'single',
        names,
      },
      silent,
    );
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
  });

  it('publishes 20k CDRs with bounded in-flight, all acked, each on its partition; re-publishing counts duplicates', async () => {
    const total = 20_000;
    const maxInFlight = 256;
    const publisher = new CdrPublisher(nc, {
      partitions: PARTITIONS,
      subjectPrefix: names.cdrSubjectPrefix,
      maxInFlight,
    });
    let highestInFlight = 0;
    const expected: Record<string, number> = {};
    for (let i = 0; i < total; i++) {
      const cdr = cdrNumber(i);
      await publisher.publishCdr(cdr);
      highestInFlight = Math.max(highestInFlight, publisher.stats().inFlight);
      const subject = `${names.cdrSubjectPrefix}.${partitionOfCaller(cdr.caller, PARTITIONS)}`;
      expected[subject] = (expected[subject] ?? 0) + 1;
    }
    await publisher.flush();
    expect(highestInFlight).toBeLessThanOrEqual(maxInFlight);
    expect(highestInFlight).toBeGreaterThan(1);
    expect(publisher.stats()).toEqual({
      published: total,
      acked: total,
      duplicates: 0,
      failed: 0,
      retries: 0,
      inFlight: 0,
    });
    expect(await subjectCounts(jsm, names.cdrStream)).toEqual(expected);

    for (let i = 0; i < 5_000; i++) await publisher.publishCdr(cdrNumber(i));
    await publisher.flush();
    expect(publisher.stats()).toMatchObject({
      published: total + 5_000,
      acked: total + 5_000,
      duplicates: 5_000,
      failed: 0,
    });
    expect((await jsm.streams.info(names.cdrStream)).state.messages).toBe(total);
    await publisher.close();
    await expect(publisher.publishCdr(cdrNumber(1))).rejects.toBeInstanceOf(PublisherClosedError);
  });

  it('publishes raw bytes on the partition of the given caller digits', async () => {
    const publisher = new CdrPublisher(nc, { partitions: PARTITIONS, subjectPrefix: names.cdrSubjectPrefix });
    const raw = new TextEncoder().encode(
      '{"call_id":"raw-1","caller":"+15550001","callee":"15550002","start":0,"duration":1}',
    );
    await publisher.publishRaw(raw, 'raw-1', '15550001');
    await publisher.flush();
    const stored = await jsm.streams.getMessage(names.cdrStream, {
      last_by_subj: `${names.cdrSubjectPrefix}.${partitionOfCaller(15550001, PARTITIONS)}`,
    });
    expect(stored?.data).toEqual(raw);
    expect(stored?.header.get('Nats-Msg-Id')).toBe('raw-1');
    await publisher.close();
  });

  it('dead-letters raw bytes with the Sentinel headers, once per source message', async () => {
    const publisher = new DeadLetterPublisher(nc, { subject: names.dlqSubject });
    const data = Uint8Array.of(0x7b, 0xff, 0x7d);
    const letter = {
      data,
      reason: 'invalid_encoding',
      field: 'caller',
      message: 'message is not valid UTF-8\r\nsecond line',
      sourceSubject: `${names.cdrSubjectPrefix}.3`,
      sourceSeq: 42,
    };
    await publisher.publishDeadLetter(letter);
    await publisher.publishDeadLetter(letter);
    await publisher.publishDeadLetter({ data, reason: 'invalid_json' });
    await publisher.flush();
    expect(publisher.stats()).toMatchObject({ acked: 3, duplicates: 1, failed: 0 });
    const first = await jsm.streams.getMessage(names.dlqStream, { seq: 1 });
    expect(first?.subject).toBe(names.dlqSubject);
    expect(first?.data).toEqual(data);
    expect(first?.header.get('Sentinel-Reason')).toBe('invalid_encoding');
    expect(first?.header.get('Sentinel-Field')).toBe('caller');
    expect(first?.header.get('Sentinel-Message')).toBe('message is not valid UTF-8 second line');
    expect(first?.header.get('Sentinel-Source-Subject')).toBe(`${names.cdrSubjectPrefix}.3`);
    expect(first?.header.get('Sentinel-Source-Seq')).toBe('42');
    const second = await jsm.streams.getMessage(names.dlqStream, { seq: 2 });
    expect(second?.header.get('Sentinel-Reason')).toBe('invalid_json');
    expect(second?.header.has('Sentinel-Source-Seq')).toBe(false);
    await publisher.close();
  });

  it('publishes alerts on <prefix>.<rule>.<severity> with Msg-Id = alert_key', async () => {
    const publisher = new AlertPublisher(nc, { subjectPrefix: names.alertsSubjectPrefix });
    const alert: AlertMessage = {
      alert_key: 'sdhf:3600:2348012345678:1717200000000:0',
      episode_key: 'sdhf:3600:2348012345678:1717200000000',
      alert_type: 'SDHF_SIMBOX',
      detection_rule: 'SDHF_001',
      rule: 'sdhf',
      window_seconds: 3_600,
      suspect_number: '2348012345678',
      alert_severity: 'HIGH',
      call_count: 120,
      unique_destinations: 110,
      avg_duration_seconds: 1.8,
      window_start: '2024-06-01T00:00:00.000Z',
      window_end: '2024-06-01T01:00:00.000Z',
      first_event_at: '2024-06-01T00:01:00.000Z',
      last_event_at: '2024-06-01T00:59:00.000Z',
      evidence_summary: 'Caller 2348012345678 made 120 calls to 110 distinct numbers in 1h, avg 1.8s',
      created_at: '2024-06-01T01:00:01.000Z',
      event_to_alert_ms: 12,
      reason: 'opened',
    };
    expect(publisher.subjectFor(alert)).toBe(`${names.alertsSubjectPrefix}.sdhf.high`);
    await publisher.publishAlert(alert);
    await publisher.publishAlert(alert);
    await publisher.flush();
    expect(publisher.stats()).toMatchObject({ acked: 2, duplicates: 1 });
    const stored = await jsm.streams.getMessage(names.alertsStream, {
      last_by_subj: `${names.alertsSubjectPrefix}.sdhf.high`,
    });
    expect(stored?.json()).toEqual(alert);
    expect(stored?.header.get('Nats-Msg-Id')).toBe(alert.alert_key);
    await publisher.close();
  });

  it('re-sends a message whose send was lost, after the ack timeout', async () => {
    const subject = `${names.cdrSubjectPrefix}.0`;
    const before = (await subjectCounts(jsm, names.cdrStream))[subject] ?? 0;
    const publisher = new AckingPublisher(faultyConnection(nc, 'drop', 1), { ackTimeoutMs: 100 });
    await publisher.publish(subject, new TextEncoder().encode('{}'), uniqueName('dropped'));
    await publisher.flush();
    expect(publisher.stats()).toMatchObject({ published: 1, acked: 1, retries: 1, duplicates: 0, failed: 0 });
    expect((await subjectCounts(jsm, names.cdrStream))[subject]).toBe(before + 1);
    await publisher.close();
  });

  it('re-sends with the same Msg-Id when the ack is lost, and JetStream keeps one copy', async () => {
    const subject = `${names.cdrSubjectPrefix}.1`;
    const before = (await subjectCounts(jsm, names.cdrStream))[subject] ?? 0;
    const publisher = new AckingPublisher(faultyConnection(nc, 'lose-ack', 1), { ackTimeoutMs: 100 });
    await publisher.publish(subject, new TextEncoder().encode('{}'), uniqueName('ack-lost'));
    await publisher.flush();
    expect(publisher.stats()).toMatchObject({ acked: 1, retries: 1, duplicates: 1, failed: 0 });
    expect((await subjectCounts(jsm, names.cdrStream))[subject]).toBe(before + 1);
    await publisher.close();
  });

  it('retries a 503 until the stream exists', async () => {
    const stream = uniqueName('LATE');
    const subject = `test.${stream.toLowerCase()}.in`;
    const publisher = new AckingPublisher(nc, { retryDelayMs: 100, maxRetries: 20 });
    await publisher.publish(subject, new Uint8Array([1]), 'late-1');
    // The publisher sends on the next event-loop turn; the round trip of flush() then guarantees the server
    // has answered that send (no stream yet → 503) before the stream exists.
    await new Promise((resolve) => setImmediate(resolve));
    await nc.flush();
    await jsm.streams.add({ name: stream, subjects: [subject] });
    try {
      await publisher.flush();
      expect(publisher.stats()).toMatchObject({ acked: 1, failed: 0 });
      expect(publisher.stats().retries).toBeGreaterThanOrEqual(1);
    } finally {
      await publisher.close();
      await jsm.streams.delete(stream);
    }
  });

  it('fails after the retries, and flush reports what failed', async () => {
    const failures: unknown[] = [];
    const publisher = new AckingPublisher(nc, {
      retryDelayMs: 10,
      maxRetries: 2,
      logger: silent,
      onFailure: (failure) => failures.push(failure),
    });
    await publisher.publish(`test.${uniqueName('nostream').toLowerCase()}`, new Uint8Array([1]), 'nowhere-1');
    const error = await publisher.flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishFailedError);
    expect(error).toMatchObject({
      failedCount: 1,
      failures: [{ msgId: 'nowhere-1', errorCode: 503, attempts: 3 }],
    });
    expect(failures).toHaveLength(1);
    expect(publisher.stats()).toMatchObject({ published: 1, acked: 0, failed: 1, retries: 2, inFlight: 0 });
    await publisher.flush();
    await publisher.close();
  });

  it('does not retry a message JetStream refuses for good', async () => {
    const stream = uniqueName('SMALL');
    const subject = `test.${stream.toLowerCase()}.in`;
    await jsm.streams.add({
      name: stream,
      subjects: [subject],
      storage: StorageType.Memory,
      max_msg_size: 100,
    });
    const publisher = new AckingPublisher(nc, { logger: silent });
    try {
      await publisher.publish(subject, new Uint8Array(200), 'too-big');
      await publisher.publish(subject, new Uint8Array(4), 'small');
      const error = (await publisher.flush().catch((e: unknown) => e)) as PublishFailedError;
      expect(error).toBeInstanceOf(PublishFailedError);
      expect(error.failures[0]).toMatchObject({ msgId: 'too-big', attempts: 1 });
      expect(error.failures[0]?.errorCode).not.toBe(503);
      expect(publisher.stats()).toMatchObject({ acked: 1, failed: 1, retries: 0 });
    } finally {
      await publisher.close();
      await jsm.streams.delete(stream);
    }
  });

  it('holds publish() while maxInFlight messages are unacknowledged', async () => {
    const stalled = new AckingPublisher(faultyConnection(nc, 'drop', 3), {
      maxInFlight: 2,
      ackTimeoutMs: 200,
    });
    const subject = `${names.cdrSubjectPrefix}.2`;
    await stalled.publish(subject, new Uint8Array([1]), uniqueName('a'));
    await stalled.publish(subject, new Uint8Array([2]), uniqueName('b'));
    let thirdSent = false;
    const third = stalled.publish(subject, new Uint8Array([3]), uniqueName('c')).then(() => {
      thirdSent = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(thirdSent).toBe(false);
    expect(stalled.stats()).toMatchObject({ published: 2, inFlight: 2 });
    await third;
    await stalled.flush();
    expect(stalled.stats()).toMatchObject({ published: 3, acked: 3, failed: 0 });
    await stalled.close();
  });
});
