import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertAlert } from './support/fixtures.js';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';

const HOUR_MS = 3_600_000;

/** The window-level detection log (fraud_alerts), which `GET /alerts` listed before cases. */
describe('detections', () => {
  let h: ApiHarness;
  const get = async (query: string) =>
    await h.app.inject({ url: `/api/v1/sentinel/detections${query}`, headers: h.auth });

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

  it('serves one detection by id and 404 for an unknown id', async () => {
    const id = await insertAlert(h.pool, { severity: 'MEDIUM' });
    const one = await h.app.inject({ url: `/api/v1/sentinel/detections/${id}`, headers: h.auth });
    expect(one.statusCode).toBe(200);
    expect(one.json().alert).toMatchObject({ id, alert_severity: 'MEDIUM', source: 'stream' });
    const missing = await h.app.inject({ url: '/api/v1/sentinel/detections/987654321', headers: h.auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ status: 'error', error: 'not_found' });
  });

  it('is not what /alerts lists: detection rows never appear among cases', async () => {
    await insertAlert(h.pool);
    const cases = await h.app.inject({ url: '/api/v1/sentinel/alerts', headers: h.auth });
    expect(cases.json()).toMatchObject({ status: 'success', count: 0, alerts: [] });
    const pointed = await h.app.inject({ url: '/api/v1/sentinel/alerts?source=detect', headers: h.auth });
    expect(pointed.statusCode).toBe(400);
    expect(pointed.json().field).toBe('querystring.source');
    expect(pointed.json().message).toContain('/detections');
  });
});
