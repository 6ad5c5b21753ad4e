import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertMessage } from '../../src/windows/index.js';
import { ANALYST_KEY, startApiHarness, type ApiHarness } from './support/api-harness.js';
import { RecordingSseClient, RecordingWsClient, refusedUpgradeStatus } from './support/feed-clients.js';
import { waitFor } from './support/wait-for.js';

const QUEUE_MAX = 8;

function syntheticAlert(
  index: number,
  evidenceBytes: number,
  severity: AlertMessage['alert_severity'] = 'HIGH',
): AlertMessage {
  const at = new Date().toISOString();
  return {
    alert_key: `sdhf:600:2348500000001:0:${index}`,
    episode_key: 'sdhf:600:2348500000001:0',
    alert_type: 'SDHF_SIMBOX',
    detection_rule: 'SDHF_001',
    rule: 'sdhf',
    window_seconds: 600,
    suspect_number: '2348500000001',
    alert_severity: severity,
    call_count: 120,
    unique_destinations: 110,
    avg_duration_seconds: 1.2,
    window_start: at,
    window_end: at,
    first_event_at: at,
    last_event_at: at,
    evidence_summary: 'x'.repeat(evidenceBytes),
    created_at: at,
    event_to_alert_ms: 5,
    reason: 'opened',
  };
}

describe('live alert feed', () => {
  let h: ApiHarness;
  let base: string;

  beforeAll(async () => {
    h = await startApiHarness({
      env: { WS_CLIENT_QUEUE_MAX: String(QUEUE_MAX), WS_HEARTBEAT_INTERVAL: '300ms' },
    });
    const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
    base = address.replace('http://', '');
  });
  afterAll(async () => {
    await h.close();
  });

  it('refuses a WebSocket without a credential and accepts the key as a header or access_token', async () => {
    expect(await refusedUpgradeStatus(`ws://${base}/ws/alerts`)).toBe(401);
    const header = new RecordingWsClient(`ws://${base}/ws/alerts`, { 'x-api-key': ANALYST_KEY });
    const query = new RecordingWsClient(`ws://${base}/api/v1/sentinel/ws/alerts?access_token=${ANALYST_KEY}`);
    await header.opened();
    await query.opened();
    await waitFor(() => header.ofType('connected').length === 1 && query.ofType('connected').length === 1);
    expect(header.messages[0]).toMatchObject({
      type: 'connected',
      message: expect.any(String),
      timestamp: expect.any(String),
    });
    header.close();
    query.close();
    expect(h.logs.text()).not.toContain(ANALYST_KEY);
  });

  it('delivers an alert raised by the pipeline from CDRs, with the seed fields', async () => {
    const client = new RecordingWsClient(`ws://${base}/ws/alerts`, { 'x-api-key': ANALYST_KEY });
    await client.opened();
    await h.app.inject({
      method: 'PUT',
      url: '/api/v1/sentinel/thresholds',
      headers: h.auth,
      payload: {
        thresholds: [{ window_seconds: 600, min_unique_destinations: 3, max_avg_duration_seconds: 2 }],
      },
    });
    const startMs = Date.now() - 120_000;
    const records = Array.from({ length: 5 }, (_unused, i) => ({
      call_id: `feed-${startMs}-${i}`,
      caller: '2348600000001',
      callee: `23473000000${i}`,
      start: new Date(startMs + i * 1_000).toISOString(),
      duration: 1,
    }));
    await h.engine.publishCdrs(records);
    const [alert] = await waitFor(() =>
      client.ofType('alert').length > 0 ? client.ofType('alert') : undefined,
    );
    expect(alert!.data).toMatchObject({
      id: null,
      alert_type: 'SDHF_SIMBOX',
      detection_rule: 'SDHF_001',
      suspect_number: '2348600000001',
      alert_severity: 'MEDIUM',
      unique_destinations: 4,
      call_count: 4,
      avg_duration_seconds: 1,
      evidence_summary: expect.any(String),
      created_at: expect.any(String),
      alert_key: expect.stringMatching(/^sdhf:600:2348600000001:/),
      source: 'stream',
    });
    client.close();
  });

  it('sends a heartbeat when idle and answers ping with pong', async () => {
    const client = new RecordingWsClient(`ws://${base}/ws/alerts`, { 'x-api-key': ANALYST_KEY });
    await client.opened();
    await waitFor(() => client.ofType('heartbeat').length > 0);
    client.ws.send(JSON.stringify({ type: 'ping' }));
    await waitFor(() => client.ofType('pong').length > 0);
    client.close();
  });

  it('filters by severity', async () => {
    const critical = new RecordingWsClient(`ws://${base}/ws/alerts?severity=CRITICAL`, {
      'x-api-key': ANALYST_KEY,
    });
    const all = new RecordingWsClient(`ws://${base}/ws/alerts`, { 'x-api-key': ANALYST_KEY });
    await critical.opened();
    await all.opened();
    await waitFor(() => critical.ofType('connected').length === 1 && all.ofType('connected').length === 1);
    h.engine.publishAlert(syntheticAlert(1, 10, 'HIGH'));
    h.engine.publishAlert(syntheticAlert(2, 10, 'CRITICAL'));
    await waitFor(() => all.ofType('alert').length === 2);
    await waitFor(() => critical.ofType('alert').length === 1);
    expect(critical.ofType('alert')[0]!.data?.alert_severity).toBe('CRITICAL');
    expect(
      await refusedUpgradeStatus(`ws://${base}/ws/alerts?severity=SEVERE`, { 'x-api-key': ANALYST_KEY }),
    ).toBe(400);
    critical.close();
    all.close();
  });

  it('drops a client that stops reading, while the others receive every alert', async () => {
    const fast = new RecordingWsClient(`ws://${base}/ws/alerts`, { 'x-api-key': ANALYST_KEY });
    const slow = new RecordingWsClient(`ws://${base}/ws/alerts`, { 'x-api-key': ANALYST_KEY });
    await fast.opened();
    await slow.opened();
    await waitFor(() => fast.ofType('connected').length === 1 && slow.ofType('connected').length === 1);
    const activeWs = async () =>
      Number(
        /sentinel_active_websocket_connections\{transport="websocket"\} (\d+)/.exec(
          await h.metrics.text(),
        )?.[1],
      );
    expect(await activeWs()).toBe(2);
    slow.stall();
    // 256 KiB alerts in rounds the fast client keeps up with, until the stalled reader's socket buffers are
    // full and its queue passes WS_CLIENT_QUEUE_MAX; then two more rounds to show the fast client unaffected.
    const perRound = 5;
    let rounds = 0;
    let roundsAfterDrop = 0;
    while (roundsAfterDrop < 2) {
      for (let i = 0; i < perRound; i++)
        h.engine.publishAlert(syntheticAlert(1_000 + rounds * perRound + i, 262_144));
      rounds++;
      await waitFor(() => fast.ofType('alert').length >= rounds * perRound);
      if ((await activeWs()) === 1) roundsAfterDrop++;
    }
    expect(fast.ofType('alert')).toHaveLength(rounds * perRound);
    expect(fast.ws.readyState).toBe(fast.ws.OPEN);
    expect(await activeWs()).toBe(1);
    expect(h.logs.text()).toContain('live feed client too slow; disconnected');
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await slow.closed).toBe(1006);
    fast.close();
    await waitFor(async () => (await activeWs()) === 0);
  });

  it('serves the same feed as Server-Sent Events', async () => {
    const unauthenticated = new RecordingSseClient(`http://${base}/api/v1/sentinel/alerts/stream`, {});
    await unauthenticated.ready;
    expect(unauthenticated.status).toBe(401);
    unauthenticated.close();

    const client = new RecordingSseClient(`http://${base}/api/v1/sentinel/alerts/stream`, {
      'x-api-key': ANALYST_KEY,
    });
    await client.ready;
    expect(client.status).toBe(200);
    await waitFor(() => client.events.some((event) => event.event === 'connected'));
    h.engine.publishAlert(syntheticAlert(5_000, 10, 'CRITICAL'));
    const alert = await waitFor(() => client.events.find((event) => event.event === 'alert'));
    expect(alert.data).toMatchObject({
      type: 'alert',
      data: { alert_severity: 'CRITICAL', suspect_number: '2348500000001' },
    });
    await waitFor(() => client.events.some((event) => event.event === 'heartbeat'));
    client.close();
    const text = await h.metrics.text();
    expect(text).toMatch(/sentinel_websocket_connections_total\{transport="sse"\} 1/);
  });
});
