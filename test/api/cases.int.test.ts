/** `GET /alerts` lists cases: seed fields plus case fields, filters, cursor paging, one case, its history. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertCase, insertCaseEvents } from './support/fixtures.js';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';

const HOUR_MS = 3_600_000;
const SEED_FIELDS = [
  'id',
  'alert_type',
  'suspect_number',
  'alert_severity',
  'evidence_summary',
  'call_count',
  'unique_destinations',
  'avg_duration_seconds',
  'detection_rule',
  'created_at',
  'reviewed',
  'reviewer_notes',
];

describe('cases at GET /alerts', () => {
  let h: ApiHarness;
  const get = async (path: string) => await h.app.inject({ url: `/api/v1/sentinel${path}`, headers: h.auth });
  const ids = (body: { alerts: { id: number }[] }) => body.alerts.map((row) => row.id);

  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.pool.query('TRUNCATE cases, case_events, case_suppressions');
  });

  it('lists one row per case, newest first, with the seed fields and the case fields', async () => {
    const now = Date.now();
    const older = await insertCase(h.pool, { createdAt: new Date(now - 2 * HOUR_MS), severity: 'LOW' });
    const newer = await insertCase(h.pool, {
      createdAt: new Date(now - HOUR_MS),
      severity: 'HIGH',
      peakSeverity: 'CRITICAL',
    });
    const response = await get('/alerts');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ status: 'success', count: 2, next_cursor: null });
    expect(ids(body)).toEqual([newer.id, older.id]);
    const row = body.alerts[0];
    for (const field of SEED_FIELDS) expect(row, field).toHaveProperty(field);
    expect(row).toMatchObject({
      case_key: newer.caseKey,
      alert_type: 'SDHF_SIMBOX',
      detection_rule: 'SDHF_001',
      suspect_number: newer.suspect,
      status: 'open',
      alert_severity: 'HIGH',
      peak_severity: 'CRITICAL',
      call_count: 80,
      unique_destinations: 60,
      avg_duration_seconds: 1.5,
      trigger_window_seconds: 3600,
      reopen_count: 0,
      event_count: 1,
      reviewed: false,
      verdict: null,
      closed_at: null,
      auto_aged: false,
      created_at: new Date(now - HOUR_MS).toISOString(),
    });
    // Evidence in the API's snake_case, times as ISO-8601, the callee sample grouped by prefix.
    expect(row.evidence.windows).toHaveLength(3);
    expect(row.evidence.windows[1]).toMatchObject({
      window_seconds: 3600,
      call_count: 160,
      unique_destinations: 120,
      avg_duration_seconds: 1.5,
      severity: 'HIGH',
      last_event_at: new Date(now - HOUR_MS).toISOString(),
    });
    expect(row.evidence.windows[0].severity).toBeNull();
    expect(row.evidence.callee_sample).toEqual(['2347010000001', '2347010000002', '2348020000003']);
    expect(row.evidence.callee_prefixes).toEqual([
      { prefix: '234701', count: 2 },
      { prefix: '234802', count: 1 },
    ]);
    expect(row.evidence.thresholds[2]).toEqual({
      window_seconds: 86_400,
      min_unique_destinations: 50,
      max_avg_duration_seconds: 3,
    });
  });

  it('filters by status, severity, reviewed, verdict, suspect (or caller) and rule', async () => {
    const now = Date.now();
    const openHigh = await insertCase(h.pool, { severity: 'HIGH', suspect: '2348011111111' });
    const closedLow = await insertCase(h.pool, { severity: 'LOW', status: 'closed' });
    const reviewed = await insertCase(h.pool, { severity: 'CRITICAL', reviewed: true });
    await h.pool.query("UPDATE cases SET verdict = 'fraud' WHERE id = $1", [reviewed.id]);
    const other = await insertCase(h.pool, {
      severity: 'MEDIUM',
      rule: 'other',
      createdAt: new Date(now - HOUR_MS),
    });

    expect(ids((await get('/alerts?status=open')).json()).sort()).toEqual(
      [openHigh.id, reviewed.id, other.id].sort(),
    );
    expect(ids((await get('/alerts?status=closed')).json())).toEqual([closedLow.id]);
    expect((await get('/alerts?status=open,closed')).json().count).toBe(4);
    expect((await get('/alerts?severity=HIGH,CRITICAL')).json().count).toBe(2);
    expect(ids((await get('/alerts?reviewed=true')).json())).toEqual([reviewed.id]);
    expect(ids((await get('/alerts?verdict=fraud')).json())).toEqual([reviewed.id]);
    expect(ids((await get('/alerts?suspect=%2B2348011111111')).json())).toEqual([openHigh.id]);
    expect(ids((await get('/alerts?caller=2348011111111')).json())).toEqual([openHigh.id]);
    expect(ids((await get('/alerts?rule=other')).json())).toEqual([other.id]);
    expect(ids((await get(`/alerts?case_key=${encodeURIComponent(closedLow.caseKey)}`)).json())).toEqual([
      closedLow.id,
    ]);
    // The seed's backlog query: open and unreviewed.
    expect((await get('/alerts?status=open&reviewed=false')).json().count).toBe(2);
    const since = encodeURIComponent(new Date(now - HOUR_MS / 2).toISOString());
    expect((await get(`/alerts?since=${since}`)).json().count).toBe(3);
    expect(ids((await get(`/alerts?until=${since}`)).json())).toEqual([other.id]);
  });

  it('pages with a cursor, ties broken by id; count is the filtered total on every page', async () => {
    const base = Date.now() - 10 * HOUR_MS;
    const made: number[] = [];
    for (let i = 0; i < 5; i++)
      made.push((await insertCase(h.pool, { createdAt: new Date(base + Math.min(i, 3) * 1_000) })).id);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${cursor}`;
      const body = (await get(`/alerts${query}`)).json();
      expect(body.count).toBe(5);
      expect(body.alerts.length).toBeLessThanOrEqual(2);
      seen.push(...ids(body));
      cursor = body.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual([...made].reverse());
  });

  it('answers 400 naming the field for bad parameters, and points detection-log parameters at /detections', async () => {
    const bad: [string, string][] = [
      ['?limit=0', 'querystring.limit'],
      ['?status=pending', 'querystring.status'],
      ['?severity=SEVERE', 'querystring.severity'],
      ['?verdict=guilty', 'querystring.verdict'],
      ['?reviewed=maybe', 'querystring.reviewed'],
      ['?suspect=12ab', 'querystring.suspect'],
      ['?cursor=bm90LWEtY3Vyc29y', 'querystring.cursor'],
      ['?alert_key=sdhf:600:1:2:0', 'querystring.alert_key'],
      ['?source=detect', 'querystring.source'],
      ['?suspect=2348011111111&caller=2348022222222', 'querystring.caller'],
    ];
    for (const [query, field] of bad) {
      const response = await get(`/alerts${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(response.json(), query).toMatchObject({ status: 'error', error: 'validation_failed', field });
      expect(response.json().message, query).toContain(field);
    }
    expect((await get('/alerts?source=stream')).statusCode).toBe(200);
  });

  it('serves one case by id; 404 for an unknown id', async () => {
    const made = await insertCase(h.pool, { severity: 'MEDIUM' });
    const one = await get(`/alerts/${made.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json().alert).toMatchObject({ id: made.id, case_key: made.caseKey, alert_severity: 'MEDIUM' });
    const missing = await get('/alerts/987654321');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ status: 'error', error: 'not_found' });
    expect((await get('/alerts/abc')).json().field).toBe('params.id');
  });

  it('returns the history in event-time order (sequence), whatever order the rows were stored in, and pages it', async () => {
    const made = await insertCase(h.pool);
    const other = await insertCase(h.pool);
    const t0 = Date.now() - 5 * HOUR_MS;
    await insertCaseEvents(h.pool, made.caseKey, [
      { sequence: 3, kind: 'closed', severity: 'HIGH', atMs: t0 + 3 * HOUR_MS },
      { sequence: 0, kind: 'opened', severity: 'LOW', atMs: t0 },
      { sequence: 4, kind: 'reopened', severity: 'MEDIUM', atMs: t0 + 4 * HOUR_MS },
      { sequence: 2, kind: 'updated', severity: 'HIGH', atMs: t0 + 2 * HOUR_MS },
      { sequence: 1, kind: 'escalated', severity: 'HIGH', atMs: t0 + HOUR_MS },
    ]);
    await insertCaseEvents(h.pool, other.caseKey, [
      { sequence: 0, kind: 'opened', severity: 'LOW', atMs: t0 },
    ]);

    const all = (await get(`/alerts/${made.id}/events`)).json();
    expect(all).toMatchObject({
      status: 'success',
      case_id: made.id,
      case_key: made.caseKey,
      next_after_sequence: null,
    });
    expect(all.events.map((event: { sequence: number }) => event.sequence)).toEqual([0, 1, 2, 3, 4]);
    expect(all.events.map((event: { kind: string }) => event.kind)).toEqual([
      'opened',
      'escalated',
      'updated',
      'closed',
      'reopened',
    ]);
    const times = all.events.map((event: { at: string }) => Date.parse(event.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(all.events[1]).toMatchObject({
      event_key: `${made.caseKey}:1`,
      severity: 'HIGH',
      trigger_window_seconds: 600,
      at: new Date(t0 + HOUR_MS).toISOString(),
      callee_sample: ['2347010000001'],
      evidence_summary: 'event 1',
      published_at: null,
    });
    expect(all.events[1].windows[0]).toMatchObject({
      window_seconds: 600,
      call_count: 11,
      unique_destinations: 9,
    });
    expect(all.events[1].thresholds).toHaveLength(3);

    const first = (await get(`/alerts/${made.id}/events?limit=2`)).json();
    expect(first.events.map((event: { sequence: number }) => event.sequence)).toEqual([0, 1]);
    expect(first.next_after_sequence).toBe(1);
    const rest = (await get(`/alerts/${made.id}/events?limit=2&after_sequence=3`)).json();
    expect(rest.events.map((event: { sequence: number }) => event.sequence)).toEqual([4]);
    expect(rest.next_after_sequence).toBeNull();
    expect((await get('/alerts/987654321/events')).statusCode).toBe(404);
  });
});
