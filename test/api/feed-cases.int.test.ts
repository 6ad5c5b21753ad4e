/**
 * The live feed on the real engine reads the ALERTS and CASES streams (ordered consumers from "new"), so a
 * feed client gets each case event once with its case id, even when it is published again (an outbox
 * re-publish, a retry), filtered by severity like alerts; and a stream alert arrives once, after its commit,
 * with its fraud_alerts id.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/api/index.js';
import type { Service } from '../../src/engine/index.js';
import { CaseEventPublisher } from '../../src/stream/index.js';
import { caseEvents } from '../support/case-events.js';
import { eventually, startTestService, startTestStack, type TestStack } from '../support/service-fixture.js';
import { RecordingWsClient } from './support/feed-clients.js';

const KEY = 'feed-cases-test-key';
const auth = { 'x-api-key': KEY };

describe('live feed: case events and alerts from the streams', () => {
  let stack: TestStack;
  let service: Service;
  let base: string;
  let nc: NatsConnection;

  beforeAll(async () => {
    stack = await startTestStack();
    service = await startTestService(stack, { API_KEYS: `tester:${hashApiKey(KEY)}:admin` }, true);
    base = service.httpUrl!.replace('http://', '');
    nc = await connect({ servers: stack.natsUrl });
  });
  afterAll(async () => {
    await nc?.close();
    await service?.stop();
    await stack?.cleanup();
  });

  it('sends each case event once, with its case id, whatever is re-published', async () => {
    const feed = new RecordingWsClient(`ws://${base}/ws/alerts`, auth);
    const critical = new RecordingWsClient(`ws://${base}/ws/alerts?severity=CRITICAL`, auth);
    await Promise.all([feed.opened(), critical.opened()]);
    const events = caseEvents('2348090000001', Date.now() - 3_600_000).slice(0, 3);
    const publisher = new CaseEventPublisher(nc);
    for (const event of events) await publisher.publishCaseEvent(event, 77);
    // The outbox publishing the same events again: JetStream keeps the first copies only.
    for (const event of events) await publisher.publishCaseEvent(event, 77);
    await publisher.flush();
    await publisher.close();

    await eventually('case events on the feed', async () => feed.ofType('case').length >= events.length);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const received = feed.ofType('case').map((message) => message.data!);
    expect(received.map((data) => data.event_key)).toEqual(events.map((event) => event.eventKey));
    expect(received.map((data) => data.kind)).toEqual(['opened', 'escalated', 'updated']);
    for (const data of received) expect(data).toMatchObject({ case_id: 77, suspect_number: '2348090000001' });
    expect(critical.ofType('case')).toEqual([]);
    feed.close();
    critical.close();
  });

  it('sends a stream alert once, after its commit, with its fraud_alerts id', async () => {
    const feed = new RecordingWsClient(`ws://${base}/ws/alerts`, auth);
    await feed.opened();
    const api = async (method: string, path: string, body: unknown) =>
      await fetch(`http://${base}/api/v1/sentinel${path}`, {
        method,
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const put = await api('PUT', '/thresholds', {
      thresholds: [{ window_seconds: 600, min_unique_destinations: 3, max_avg_duration_seconds: 2 }],
    });
    expect(put.status).toBe(200);
    const caller = '2348090000002';
    const startMs = Date.now() - 300_000;
    for (let i = 0; i < 5; i++) {
      const response = await api('POST', '/events/call', {
        caller_number: caller,
        callee_number: `23474100000${i}`,
        duration_seconds: 1,
        timestamp: new Date(startMs + i * 1_000).toISOString(),
      });
      expect(response.status).toBe(200);
    }
    await eventually('alert on the feed', async () => feed.ofType('alert').length > 0);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const alerts = feed.ofType('alert').map((message) => message.data!);
    expect(alerts).toHaveLength(1);
    const stored = await service.pool.query<{ id: string; alert_key: string }>(
      'SELECT id, alert_key FROM fraud_alerts WHERE suspect_number = $1',
      [caller],
    );
    expect(stored.rows).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      id: Number(stored.rows[0]!.id),
      alert_key: stored.rows[0]!.alert_key,
      source: 'stream',
    });
    feed.close();
  });
});
