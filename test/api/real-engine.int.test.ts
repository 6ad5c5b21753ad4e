/**
 * The API on the real engine (`startService`: shard workers, JetStream consumers, the Postgres sink): the
 * paths the test-only stand-in cannot make meaningful. An alert raised by the real pipeline reaches the
 * WebSocket feed and fraud_alerts; a threshold change through the API changes detection on the next CDR;
 * the pipeline's counters move in /metrics when records flow; an upload lands in call_records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/api/index.js';
import type { Service } from '../../src/engine/index.js';
import { eventually, startTestService, startTestStack, type TestStack } from '../support/service-fixture.js';
import { RecordingWsClient } from './support/feed-clients.js';
import { multipartFile } from './support/multipart.js';

const KEY = 'real-engine-test-key';
const auth = { 'x-api-key': KEY };

describe('API on the real engine', () => {
  let stack: TestStack;
  let service: Service;
  let base: string;

  const api = async (method: string, path: string, body?: unknown) =>
    await fetch(`http://${base}/api/v1/sentinel${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const event = async (caller: string, callee: string, startMs: number) =>
    await api('POST', '/events/call', {
      caller_number: caller,
      callee_number: callee,
      duration_seconds: 1,
      timestamp: new Date(startMs).toISOString(),
    });

  beforeAll(async () => {
    stack = await startTestStack();
    service = await startTestService(stack, { API_KEYS: `tester:${hashApiKey(KEY)}:admin` }, true);
    base = service.httpUrl!.replace('http://', '');
  });
  afterAll(async () => {
    await service?.stop();
    await stack?.cleanup();
  });

  it('is ready, and a threshold change applies to the next CDR; the alert reaches the feed and fraud_alerts', async () => {
    expect((await fetch(`http://${base}/health/ready`)).status).toBe(200);
    const feed = new RecordingWsClient(`ws://${base}/ws/alerts`, auth);
    await feed.opened();

    const caller = '2348700000001';
    const startMs = Date.now() - 300_000;
    for (let i = 0; i < 6; i++)
      expect((await event(caller, `23474000000${i}`, startMs + i * 1_000)).status).toBe(200);
    const before = (await (await api('GET', `/callers/${caller}`)).json()) as {
      caller: { open_episodes: unknown[] };
    };
    expect(before.caller.open_episodes).toEqual([]);

    const put = await api('PUT', '/thresholds', {
      thresholds: [{ window_seconds: 600, min_unique_destinations: 5, max_avg_duration_seconds: 2 }],
    });
    expect(put.status).toBe(200);
    const seventh = await event(caller, '2347400000099', startMs + 7_000);
    expect(seventh.status).toBe(200);

    await eventually('alert on the feed', async () => feed.ofType('alert').length > 0);
    expect(feed.ofType('alert')[0]!.data).toMatchObject({
      suspect_number: caller,
      window_seconds: 600,
      alert_type: 'SDHF_SIMBOX',
    });
    await eventually('alert stored', async () => {
      const body = (await (await api('GET', `/detections?caller=${caller}`)).json()) as { count: number };
      return body.count > 0;
    });
    feed.close();
  });

  it('stores an uploaded CSV in call_records through the stream, and the pipeline counters move', async () => {
    const day = new Date(Date.now() - 3_600_000);
    const date = day.toISOString().slice(0, 10);
    const time = day.toISOString().slice(11, 19);
    const rows = Array.from(
      { length: 20 },
      (_unused, i) => `${date},${time},2348710000001,23475${String(i).padStart(8, '0')},3`,
    );
    const body = multipartFile(
      'cdr_file',
      'cdrs.csv',
      ['call_date,call_time,caller_number,callee_number,duration_seconds', ...rows].join('\n'),
    );
    const response = await fetch(`http://${base}/api/v1/sentinel/ingest`, {
      method: 'POST',
      headers: { ...auth, ...body.headers },
      body: body.payload,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'success', records_inserted: 20 });
    await eventually('rows committed', async () => {
      const result = await service.pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM call_records WHERE caller_number = '2348710000001'",
      );
      return Number(result.rows[0]?.n) === 20;
    });
    await eventually('counters exported', async () => {
      const text = await (await fetch(`http://${base}/metrics`)).text();
      const ingested = Number(/^sentinel_cdr_records_ingested_total (\d+)/m.exec(text)?.[1] ?? 0);
      return ingested >= 20 && /sentinel_realtime_events_received_total [1-9]/.test(text);
    });
  });
});
