import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ageLowAlerts, AUTO_AGING_REVIEWER } from '../../src/api/index.js';
import { insertAlert } from './support/fixtures.js';
import { OPS_KEY, startApiHarness, type ApiHarness } from './support/api-harness.js';

const HOUR_MS = 3_600_000;

describe('alerts', () => {
  let h: ApiHarness;
  const get = async (query: string) =>
    await h.app.inject({ url: `/api/v1/sentinel/alerts${query}`, headers: h.auth });

  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.pool.query('TRUNCATE fraud_alerts');
  });

  it('lists newest first with the seed fields, count and defaults', async () => {
    const now = Date.now();
    const older = await insertAlert(h.pool, { createdAt: new Date(now - 2 * HOUR_MS), severity: 'LOW' });
    const newer = await insertAlert(h.pool, { createdAt: new Date(now - HOUR_MS), severity: 'CRITICAL' });
    const response = await get('');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.status).toBe('success');
    expect(body.count).toBe(2);
    expect(body.alerts.map((alert: { id: number }) => alert.id)).toEqual([newer, older]);
    expect(body.next_cursor).toBeNull();
    expect(body.alerts[0]).toMatchObject({
      id: newer,
      alert_type: 'SDHF_SIMBOX',
      detection_rule: 'SDHF_001',
      alert_severity: 'CRITICAL',
      evidence_summary: 'fixture',
      call_count: 80,
      unique_destinations: 60,
      avg_duration_seconds: 1.5,
      reviewed: false,
      reviewer_notes: null,
    });
    expect(body.alerts[0].created_at).toBe(new Date(now - HOUR_MS).toISOString());
  });

  it('filters by severity list, reviewed, rule, caller and time range', async () => {
    const now = Date.now();
    await insertAlert(h.pool, { severity: 'LOW', createdAt: new Date(now - 3 * HOUR_MS) });
    const high = await insertAlert(h.pool, {
      severity: 'HIGH',
      suspect: '2348011111111',
      createdAt: new Date(now - HOUR_MS),
    });
    await insertAlert(h.pool, { severity: 'CRITICAL', reviewed: true, createdAt: new Date(now - HOUR_MS) });
    await insertAlert(h.pool, { severity: 'HIGH', rule: 'other', createdAt: new Date(now - HOUR_MS) });

    expect((await get('?severity=HIGH,CRITICAL')).json().count).toBe(3);
    expect((await get('?severity=CRITICAL&reviewed=false')).json().count).toBe(0);
    expect((await get('?reviewed=true')).json().count).toBe(1);
    expect((await get('?rule=sdhf&severity=HIGH')).json().alerts.map((a: { id: number }) => a.id)).toEqual([
      high,
    ]);
    expect((await get('?caller=%2B2348011111111')).json().alerts.map((a: { id: number }) => a.id)).toEqual([
      high,
    ]);
    const since = encodeURIComponent(new Date(now - 2 * HOUR_MS).toISOString());
    expect((await get(`?since=${since}`)).json().count).toBe(3);
    expect((await get(`?until=${since}`)).json().count).toBe(1);
  });

  it('pages with a cursor; count is the filtered total on every page', async () => {
    const base = Date.now() - 10 * HOUR_MS;
    const ids: number[] = [];
    // Two alerts share a timestamp so the cursor must break ties by id.
    for (let i = 0; i < 5; i++)
      ids.push(await insertAlert(h.pool, { createdAt: new Date(base + Math.min(i, 3) * 1_000) }));
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${cursor}`;
      const body = (await get(query)).json();
      expect(body.count).toBe(5);
      seen.push(...body.alerts.map((alert: { id: number }) => alert.id));
      cursor = body.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual([ids[4], ids[3], ids[2], ids[1], ids[0]]);
  });

  it('answers 400 naming the field for bad parameters', async () => {
    const cases: [string, string][] = [
      ['?limit=0', 'querystring.limit'],
      ['?limit=1001', 'querystring.limit'],
      ['?limit=ten', 'querystring.limit'],
      ['?severity=SEVERE', 'querystring.severity'],
      ['?reviewed=maybe', 'querystring.reviewed'],
      ['?since=yesterday', 'querystring.since'],
      ['?caller=12ab', 'querystring.caller'],
      ['?cursor=bm90LWEtY3Vyc29y', 'querystring.cursor'],
    ];
    for (const [query, field] of cases) {
      const response = await get(query);
      expect(response.statusCode, query).toBe(400);
      expect(response.json(), query).toMatchObject({ status: 'error', error: 'validation_failed', field });
      expect(response.json().message, query).toContain(field);
    }
    const now = new Date().toISOString();
    const inverted = await get(`?since=${encodeURIComponent(now)}&until=${encodeURIComponent(now)}`);
    expect(inverted.json()).toMatchObject({ field: 'querystring.until' });
  });

  it('reviews an alert, recording who and when; 404 for an unknown id; 400 without reviewed', async () => {
    const id = await insertAlert(h.pool);
    const response = await h.app.inject({
      method: 'PATCH',
      url: `/api/v1/sentinel/alerts/${id}`,
      headers: { 'x-api-key': OPS_KEY },
      payload: { reviewed: true, reviewer_notes: 'False positive - corporate call center' },
    });
    expect(response.statusCode).toBe(200);
    const alert = response.json().alert;
    expect(alert).toMatchObject({
      id,
      reviewed: true,
      reviewer_notes: 'False positive - corporate call center',
      reviewed_by: 'ops',
    });
    expect(Date.now() - Date.parse(alert.reviewed_at)).toBeLessThan(60_000);
    const one = await h.app.inject({ url: `/api/v1/sentinel/alerts/${id}`, headers: h.auth });
    expect(one.json().alert).toMatchObject({ reviewed: true, reviewed_by: 'ops' });

    const missing = await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/sentinel/alerts/987654321',
      headers: h.auth,
      payload: { reviewed: true },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ status: 'error', error: 'not_found' });

    const noFlag = await h.app.inject({
      method: 'PATCH',
      url: `/api/v1/sentinel/alerts/${id}`,
      headers: h.auth,
      payload: {},
    });
    expect(noFlag.statusCode).toBe(400);
    expect(noFlag.json().field).toBe('body.reviewed');
    const badId = await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/sentinel/alerts/abc',
      headers: h.auth,
      payload: { reviewed: true },
    });
    expect(badId.json().field).toBe('params.id');
  });

  it('bulk-reviews old unreviewed LOW alerts and nothing else; refuses an unbounded bulk review', async () => {
    const now = Date.now();
    const old = await insertAlert(h.pool, { severity: 'LOW', createdAt: new Date(now - 8 * 24 * HOUR_MS) });
    await insertAlert(h.pool, { severity: 'LOW', createdAt: new Date(now - HOUR_MS) });
    await insertAlert(h.pool, { severity: 'HIGH', createdAt: new Date(now - 8 * 24 * HOUR_MS) });
    const response = await h.app.inject({
      method: 'POST',
      url: '/api/v1/sentinel/alerts/review',
      headers: h.auth,
      payload: { severity: 'LOW', older_than_hours: 168 },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'success', updated: 1, alert_ids: [old] });
    const stored = await h.pool.query('SELECT reviewed_by, reviewer_notes FROM fraud_alerts WHERE id = $1', [
      old,
    ]);
    expect(stored.rows[0]).toEqual({ reviewed_by: 'analyst', reviewer_notes: 'Auto-reviewed: aged out' });

    const unbounded = await h.app.inject({
      method: 'POST',
      url: '/api/v1/sentinel/alerts/review',
      headers: h.auth,
      payload: { severity: 'LOW' },
    });
    expect(unbounded.statusCode).toBe(400);
    expect(unbounded.json().field).toBe('body');
  });

  it('ages out LOW alerts older than the configured age (the auto-aging policy)', async () => {
    const now = Date.now();
    const old = await insertAlert(h.pool, { severity: 'LOW', createdAt: new Date(now - 2 * HOUR_MS) });
    const fresh = await insertAlert(h.pool, { severity: 'LOW', createdAt: new Date(now - 60_000) });
    const oldHigh = await insertAlert(h.pool, { severity: 'HIGH', createdAt: new Date(now - 2 * HOUR_MS) });
    expect(await ageLowAlerts(h.pool, HOUR_MS)).toBe(1);
    const rows = await h.pool.query<{ id: string; reviewed: boolean; reviewed_by: string | null }>(
      'SELECT id, reviewed, reviewed_by FROM fraud_alerts ORDER BY id',
    );
    const byId = new Map(rows.rows.map((row) => [Number(row.id), row]));
    expect(byId.get(old)).toMatchObject({ reviewed: true, reviewed_by: AUTO_AGING_REVIEWER });
    expect(byId.get(fresh)?.reviewed).toBe(false);
    expect(byId.get(oldHigh)?.reviewed).toBe(false);
  });
});
