import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAlert, insertCase } from './support/fixtures.js';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';

describe('POST /events/call and GET /callers/:number', () => {
  let h: ApiHarness;
  const post = async (payload: Record<string, unknown>) =>
    await h.app.inject({ method: 'POST', url: '/api/v1/sentinel/events/call', headers: h.auth, payload });

  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('accepts an event and returns an evt_ id and the caller risk from its live 24 h window', async () => {
    const caller = '2348090000001';
    const start = Date.now() - 3_600_000;
    let last;
    for (let i = 0; i < 4; i++) {
      last = await post({
        caller_number: `+${caller}`,
        callee_number: `23470000000${i}`,
        duration_seconds: 1,
        call_direction: 'outbound',
        timestamp: new Date(start + i * 1_000).toISOString(),
      });
      expect(last.statusCode).toBe(200);
    }
    const body = last!.json();
    expect(body.status).toBe('accepted');
    expect(body.event_id).toMatch(/^evt_[0-9a-f]{12}$/);
    expect(body.call_id).toBe(body.event_id);
    // 4 distinct, avg 1 s, 4 calls: 0.04·0.5 + (1 − 1/3)·0.3 + 0.02·0.2 = 0.224 → 0.22
    expect(body.risk_score).toBe(0.22);
    expect(body.risk_level).toBe('low');
    expect(body.window).toMatchObject({
      window_seconds: 86_400,
      call_count: 4,
      unique_destinations: 4,
      avg_duration_seconds: 1,
    });
  });

  it('rejects bad events with 400 naming the field', async () => {
    const valid = { caller_number: '2348090000002', callee_number: '2347000000001', duration_seconds: 5 };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...valid, caller_number: '+234ABC' }, 'body.caller_number'],
      [{ ...valid, callee_number: undefined }, 'body.callee_number'],
      [{ ...valid, duration_seconds: -1 }, 'body.duration_seconds'],
      [{ ...valid, call_direction: 'sideways' }, 'body.call_direction'],
      [{ ...valid, timestamp: 'not-a-time' }, 'body.timestamp'],
      [{ ...valid, timestamp: new Date(Date.now() + 86_400_000).toISOString() }, 'body.timestamp'],
    ];
    for (const [payload, field] of cases) {
      const response = await post(payload);
      expect(response.statusCode, field).toBe(400);
      expect(response.json(), field).toMatchObject({ status: 'error', error: 'validation_failed', field });
    }
    const direction = await post({ ...valid, call_direction: 'sideways' });
    expect(direction.json().message).toBe('body.call_direction must be one of inbound, outbound');
    const unauthenticated = await h.app.inject({
      method: 'POST',
      url: '/api/v1/sentinel/events/call',
      payload: valid,
    });
    expect(unauthenticated.statusCode).toBe(401);
  });

  it('counts received events in sentinel_realtime_events_received_total', async () => {
    expect(await h.metrics.text()).toMatch(/^sentinel_realtime_events_received_total 4$/m);
  });

  it('shows a caller’s windows, risk, open alerts and allowlist status', async () => {
    const alertId = await insertAlert(h.pool, { suspect: '2348090000001', severity: 'MEDIUM' });
    const response = await h.app.inject({ url: '/api/v1/sentinel/callers/+2348090000001', headers: h.auth });
    expect(response.statusCode).toBe(200);
    const caller = response.json().caller;
    expect(caller).toMatchObject({
      number: '2348090000001',
      live: true,
      worker: 0,
      allowlisted: false,
      risk_score: 0.22,
    });
    expect(caller.windows.map((window: { window_seconds: number }) => window.window_seconds)).toEqual([
      600, 3_600, 86_400,
    ]);
    expect(caller.windows[2]).toMatchObject({ call_count: 4, unique_destinations: 4 });
    expect(caller.open_alerts.map((alert: { id: number }) => alert.id)).toEqual([alertId]);
    expect(caller.cases).toEqual([]);
    expect(caller.suppressed_until).toBeNull();
  });

  it('shows a caller’s cases, newest first, and its false-positive suppression', async () => {
    const suspect = '2348090000077';
    const older = await insertCase(h.pool, { suspect, createdAt: new Date(Date.now() - 86_400_000) });
    const newer = await insertCase(h.pool, { suspect, severity: 'CRITICAL' });
    await h.pool.query(
      `INSERT INTO case_suppressions (suspect_number, until, case_id) VALUES ($1, now() + interval '2 days', $2)`,
      [suspect, older.id],
    );
    const response = await h.app.inject({ url: `/api/v1/sentinel/callers/${suspect}`, headers: h.auth });
    expect(response.statusCode).toBe(200);
    const caller = response.json().caller;
    expect(caller.cases.map((row: { id: number }) => row.id)).toEqual([newer.id, older.id]);
    expect(caller.cases[0]).toMatchObject({ alert_severity: 'CRITICAL', status: 'open' });
    expect(Date.parse(caller.suppressed_until) - Date.now()).toBeGreaterThan(86_400_000);
  });

  it('answers 400 for a malformed number and never logs a full number at info', async () => {
    const bad = await h.app.inject({ url: '/api/v1/sentinel/callers/12ab', headers: h.auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('params.number');
    expect(h.logs.text()).not.toContain('2348090000001');
    expect(h.logs.text()).toContain('2348*****0001');
    expect(h.logs.text()).not.toContain('analyst-key');
  });
});
