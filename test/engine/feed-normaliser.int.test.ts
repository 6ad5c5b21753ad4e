/**
 * The server-side feed path against real nats-server and Postgres: FreeSWITCH JSON and an Asterisk Master.csv
 * line published raw to `cdr.feed.<profile>` are normalised by the engine's feed thread, republished to
 * `cdr.in.<p>` and stored in call_records exactly once — a B leg, a re-sent document and a second engine-side
 * delivery included — while a record the profile rejects lands in dead_letters and CDR_DLQ with its profile.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/engine/index.js';
import { feedSubject } from '../../src/stream/index.js';
import { fixtureBytes, fixtureText } from '../codec/formats/fixtures.js';
import { eventually, startTestService, startTestStack, type TestStack } from '../support/service-fixture.js';

interface StoredRow {
  call_id: string;
  caller_number: string;
  callee_number: string;
  start_ms: string;
  duration_seconds: number;
  answered: boolean | null;
  call_direction: string | null;
  termination_cause: number | null;
  switch_id: string | null;
  trunk_in: string | null;
}

describe('feed normaliser', () => {
  let stack: TestStack;
  let service: Service;
  let nc: NatsConnection;

  beforeAll(async () => {
    stack = await startTestStack();
    service = await startTestService(stack, {
      FEED_PROFILES: 'freeswitch,asterisk-csv',
      FEED_COUNTRY_CODE: '234',
      FEED_TIME_ZONE: 'Africa/Lagos',
    });
    nc = await connect({ servers: stack.natsUrl });
    await eventually('feed thread ready', async () => service.feed?.state === 'ready');
  });

  afterAll(async () => {
    await nc?.close();
    await service?.stop();
    await stack?.cleanup();
  });

  it('stores FreeSWITCH and Asterisk records once each with the profile fields, and dead-letters the rest', async () => {
    const js = jetstream(nc);
    const aLeg = fixtureBytes('freeswitch-a-leg-answered.json');
    const anonymous = JSON.parse(fixtureText('freeswitch-unanswered-encoded.json')) as {
      variables: Record<string, string>;
    };
    anonymous.variables.uuid = 'f0000000-0000-4000-8000-00000000bad1';
    anonymous.variables.caller_id_number = 'anonymous';
    await js.publish(feedSubject('freeswitch'), aLeg);
    await js.publish(feedSubject('freeswitch'), fixtureBytes('freeswitch-b-leg.json'));
    await js.publish(feedSubject('freeswitch'), fixtureBytes('freeswitch-unanswered-encoded.json'));
    await js.publish(feedSubject('freeswitch'), JSON.stringify(anonymous));
    // mod_json_cdr retrying a POST: the same document again, as a new message.
    await js.publish(feedSubject('freeswitch'), aLeg);
    const masterLine = fixtureText('asterisk-master.csv').split('\r\n')[0] ?? '';
    await js.publish(feedSubject('asterisk-csv'), `${masterLine}\r\n`);

    const expectedIds = [
      'a5c9f6c0-e752-11e3-8bfb-65b6c3cdac7d',
      'e29ff0ae-e752-11e3-8bff-65b6c3cdac7d',
      '1717001990.26',
    ];
    await eventually('three calls stored', async () => {
      const result = await service.pool.query<{ n: string }>('SELECT count(*) AS n FROM call_records');
      return Number(result.rows[0]?.n) >= expectedIds.length;
    });
    await eventually('one dead letter stored', async () => {
      const result = await service.pool.query<{ n: string }>('SELECT count(*) AS n FROM dead_letters');
      return Number(result.rows[0]?.n) >= 1;
    });
    const jsm = await jetstreamManager(nc);
    await eventually(
      'feed stream drained',
      async () => (await jsm.streams.info('CDR_FEED')).state.messages === 0,
    );
    await new Promise((resolve) => setTimeout(resolve, 500)); // a duplicate would land now

    const rows = await service.pool.query<StoredRow>(
      `SELECT call_id, caller_number, callee_number, (extract(epoch FROM start_time) * 1000)::bigint AS start_ms,
              duration_seconds, answered, call_direction, termination_cause, switch_id, trunk_in
         FROM call_records ORDER BY call_id`,
    );
    expect(rows.rows.map((row) => row.call_id).sort()).toEqual([...expectedIds].sort());
    const byId = new Map(rows.rows.map((row) => [row.call_id, row]));
    expect(byId.get('a5c9f6c0-e752-11e3-8bfb-65b6c3cdac7d')).toEqual({
      call_id: 'a5c9f6c0-e752-11e3-8bfb-65b6c3cdac7d',
      caller_number: '2348031234567',
      callee_number: '2348057654321',
      start_ms: String(Date.UTC(2024, 4, 29, 16, 59, 50, 123)),
      duration_seconds: 42,
      answered: true,
      call_direction: 'inbound',
      termination_cause: 16,
      switch_id: 'fs-lagos-01',
      trunk_in: null,
    });
    expect(byId.get('e29ff0ae-e752-11e3-8bff-65b6c3cdac7d')).toMatchObject({
      callee_number: '2348057650000',
      duration_seconds: 0,
      answered: false,
      termination_cause: 19,
    });
    expect(byId.get('1717001990.26')).toMatchObject({
      caller_number: '2348031234567',
      start_ms: String(Date.UTC(2024, 4, 29, 16, 59, 50)),
      duration_seconds: 42,
      trunk_in: 'SIP/carrier-a',
    });

    const dead = await service.pool.query<{ reason: string; profile: string; subject: string; raw: Buffer }>(
      'SELECT reason, profile, subject, raw FROM dead_letters',
    );
    expect(dead.rows).toHaveLength(1);
    expect(dead.rows[0]).toMatchObject({
      reason: 'invalid_caller',
      profile: 'freeswitch',
      subject: 'cdr.feed.freeswitch',
    });
    expect(JSON.parse(dead.rows[0]!.raw.toString()).variables.uuid).toBe(
      'f0000000-0000-4000-8000-00000000bad1',
    );
    const dlq = await jsm.streams.getMessage('CDR_DLQ', { last_by_subj: 'cdr.dlq' });
    expect(dlq?.header.get('Sentinel-Profile')).toBe('freeswitch');
    expect(dlq?.header.get('Sentinel-Reason')).toBe('invalid_caller');

    // The feed thread reports its counters about once a second.
    const counted = (outcome: string, n: number): RegExp =>
      new RegExp(`sentinel_feed_records_total\\{profile="freeswitch",outcome="${outcome}"\\} ${n}\\b`);
    await eventually('feed counters reported', async () =>
      counted('rejected', 1).test(await service.metrics.text()),
    );
    expect(await service.metrics.text()).toMatch(counted('published', 4));
    // Rejections per profile, with the reason.
    expect(await service.metrics.text()).toMatch(
      /^sentinel_feed_rejected_total\{profile="freeswitch",reason="invalid_caller"\} 1$/m,
    );
  }, 120_000);
});
