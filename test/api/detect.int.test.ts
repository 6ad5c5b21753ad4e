import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fanoutCalls, insertAlert, insertCalls } from './support/fixtures.js';
import { OPS_KEY, startApiHarness, type ApiHarness } from './support/api-harness.js';

const HOUR_MS = 3_600_000;

describe('POST /detect/sdhf', () => {
  let h: ApiHarness;
  // The newest stored call is two days old: the predecessor's wall-clock window would see nothing.
  const newestMs = Math.floor((Date.now() - 2 * 24 * HOUR_MS) / 1_000) * 1_000;
  const detect = async (payload?: Record<string, unknown>, headers = h.auth) =>
    await h.app.inject({
      method: 'POST',
      url: '/api/v1/sentinel/detect/sdhf',
      headers,
      ...(payload === undefined ? {} : { payload }),
    });

  beforeAll(async () => {
    h = await startApiHarness({ env: { RATE_LIMIT_DETECT_PER_MINUTE: '30' } });
    await insertCalls(h.pool, [
      // A SIM box: 120 distinct callees, 1 s calls, within the last 2 h of data.
      ...fanoutCalls('2348100000001', 120, newestMs),
      // Busy but normal: 60 distinct callees at 40 s.
      ...fanoutCalls('2348100000002', 60, newestMs - 10 * 60_000, 40),
      // Fan-out just at the threshold (50 distinct is not > 50).
      ...fanoutCalls('2348100000003', 50, newestMs - 20 * 60_000, 1),
      // A SIM box whose calls are 30 h older than the newest record: outside a 24 h window.
      ...fanoutCalls('2348100000004', 80, newestMs - 30 * HOUR_MS, 1),
    ]);
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.pool.query('TRUNCATE fraud_alerts');
  });

  it('finds the SDHF caller in the window ending at the newest stored record and stores a detect alert', async () => {
    const response = await detect({
      time_window_hours: 24,
      min_unique_destinations: 50,
      max_avg_duration_seconds: 3.0,
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.status).toBe('success');
    expect(body.alerts_generated).toBe(1);
    expect(body.suspects).toHaveLength(1);
    expect(body.suspects[0]).toMatchObject({
      suspect_number: '2348100000001',
      call_count: 120,
      unique_destinations: 120,
      avg_duration_seconds: 1,
      alert_severity: 'HIGH',
      outcome: 'alerted',
      alert_id: body.alert_ids[0],
    });
    expect(body.window_end).toBe(new Date(newestMs).toISOString());
    const stored = await h.pool.query(
      'SELECT source, alert_type, detection_rule, rule, window_seconds, reviewed FROM fraud_alerts',
    );
    expect(stored.rows).toEqual([
      {
        source: 'detect',
        alert_type: 'SDHF_SIMBOX',
        detection_rule: 'SDHF_001',
        rule: 'sdhf',
        window_seconds: 86_400,
        reviewed: false,
      },
    ]);
  });

  it('takes the seed defaults when the body is absent', async () => {
    const response = await detect();
    expect(response.statusCode).toBe(200);
    expect(response.json().alerts_generated).toBe(1);
  });

  it('does not alert again for a caller with an open alert, and re-running changes nothing', async () => {
    const first = (await detect({})).json();
    expect(first.alerts_generated).toBe(1);
    const second = (await detect({})).json();
    expect(second.alerts_generated).toBe(0);
    expect(second.suspects[0]).toMatchObject({ outcome: 'already_open', alert_id: null });
    const count = await h.pool.query('SELECT count(*)::int AS n FROM fraud_alerts');
    expect(count.rows[0].n).toBe(1);
    // Once reviewed, the same data and window is still not re-inserted (deterministic alert key).
    await h.pool.query('UPDATE fraud_alerts SET reviewed = true');
    expect((await detect({})).json().suspects[0].outcome).toBe('already_alerted');
  });

  it('treats an open stream alert for the caller and rule as open', async () => {
    await insertAlert(h.pool, { suspect: '2348100000001', source: 'stream' });
    const body = (await detect({})).json();
    expect(body.alerts_generated).toBe(0);
    expect(body.suspects[0].outcome).toBe('already_open');
  });

  it('reports without storing in a dry run', async () => {
    const body = (await detect({ dry_run: true })).json();
    expect(body.alerts_generated).toBe(0);
    expect(body.suspects[0]).toMatchObject({
      suspect_number: '2348100000001',
      outcome: 'would_alert',
      alert_id: null,
    });
    const count = await h.pool.query('SELECT count(*)::int AS n FROM fraud_alerts');
    expect(count.rows[0].n).toBe(0);
  });

  it('widens the window on request and applies stricter thresholds', async () => {
    const wide = (await detect({ time_window_hours: 48 })).json();
    expect(wide.suspects.map((s: { suspect_number: string }) => s.suspect_number).sort()).toEqual([
      '2348100000001',
      '2348100000004',
    ]);
    await h.pool.query('TRUNCATE fraud_alerts');
    const strict = (await detect({ time_window_hours: 48, min_unique_destinations: 100 })).json();
    expect(strict.suspects.map((s: { suspect_number: string }) => s.suspect_number)).toEqual([
      '2348100000001',
    ]);
  });

  it('validates the body and names the field', async () => {
    for (const [payload, field] of [
      [{ time_window_hours: 0 }, 'body.time_window_hours'],
      [{ time_window_hours: 169 }, 'body.time_window_hours'],
      [{ min_unique_destinations: 'many' }, 'body.min_unique_destinations'],
      [{ max_avg_duration_seconds: 0 }, 'body.max_avg_duration_seconds'],
    ] as const) {
      const response = await detect(payload);
      expect(response.statusCode).toBe(400);
      expect(response.json().field).toBe(field);
    }
  });

  it('moves the detection-run metrics, but not the streaming detection heartbeat', async () => {
    const text = await h.metrics.text();
    expect(text).toMatch(/^sentinel_detection_runs_total [1-9]\d*$/m);
    expect(text).toMatch(/^sentinel_detection_duration_seconds_count [1-9]\d*$/m);
    // An on-demand SQL run must not make a stalled stream look alive (SentinelNoRecentDetection).
    const last = /^sentinel_last_detection_timestamp (\S+)$/m.exec(text);
    expect(Number(last?.[1] ?? 0)).toBe(0);
  });

  it('rate-limits each principal and answers 429 with Retry-After', async () => {
    const headers = { 'x-api-key': OPS_KEY };
    for (let i = 0; i < 30; i++)
      expect((await detect({ min_unique_destinations: 1_000 }, headers)).statusCode).toBe(200);
    const limited = await detect({ min_unique_destinations: 1_000 }, headers);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
  });
});
