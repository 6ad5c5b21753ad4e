/**
 * `PATCH /alerts/{id}` on cases: each verdict, the false-positive suppression pushed to the engine through the
 * rules path, the allowlist entry added in the same transaction (and rolled back with a failed review), and
 * bulk review.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadRuleSettings } from '../../src/api/index.js';
import { insertCase } from './support/fixtures.js';
import { ROLE_KEYS, startApiHarness, type ApiHarness } from './support/api-harness.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const reviewer = { 'x-api-key': ROLE_KEYS.analyst };

describe('case review', () => {
  let h: ApiHarness;
  const patch = async (id: number, payload: Record<string, unknown>, headers = reviewer) =>
    await h.app.inject({ method: 'PATCH', url: `/api/v1/sentinel/alerts/${id}`, headers, payload });
  const suppressionRows = async () =>
    (
      await h.pool.query<{ suspect_number: string; until: Date; case_id: string; created_by: string }>(
        'SELECT suspect_number, until, case_id, created_by FROM case_suppressions ORDER BY suspect_number',
      )
    ).rows;
  const allowlistRows = async () =>
    (await h.pool.query<{ entry: string; note: string; created_by: string }>('SELECT * FROM allowlist')).rows;

  beforeAll(async () => {
    // 3-day suppressions, so the test can tell the configured period from the default.
    h = await startApiHarness({ env: { FALSE_POSITIVE_SUPPRESSION: '3d' } });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.pool.query('DROP TRIGGER IF EXISTS fail_suppression ON case_suppressions');
    await h.pool.query('TRUNCATE cases, case_events, case_suppressions, allowlist');
  });

  it('records reviewed, verdict fraud, notes, who and when; notes are kept when omitted', async () => {
    const made = await insertCase(h.pool);
    const pushesBefore = h.engine.appliedRules.length;
    const response = await patch(made.id, {
      reviewed: true,
      verdict: 'fraud',
      reviewer_notes: 'SIM box, Lagos',
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ status: 'success', suppression: null, allowlisted: null });
    expect(body.alert).toMatchObject({
      id: made.id,
      reviewed: true,
      verdict: 'fraud',
      reviewer_notes: 'SIM box, Lagos',
      reviewed_by: 'reviewer-1',
      status: 'open',
    });
    expect(Date.now() - Date.parse(body.alert.reviewed_at)).toBeLessThan(60_000);
    // Nothing about the rules changed: nothing pushed.
    expect(h.engine.appliedRules.length).toBe(pushesBefore);
    expect(await suppressionRows()).toEqual([]);

    const again = (await patch(made.id, { reviewed: true, verdict: 'inconclusive' })).json();
    expect(again.alert).toMatchObject({ verdict: 'inconclusive', reviewer_notes: 'SIM box, Lagos' });
    const fetched = await h.app.inject({ url: `/api/v1/sentinel/alerts/${made.id}`, headers: h.auth });
    expect(fetched.json().alert).toMatchObject({ reviewed: true, verdict: 'inconclusive' });
  });

  it('false_positive writes a suppression for the configured period and pushes it to the engine', async () => {
    const made = await insertCase(h.pool, { suspect: '2348055555555' });
    const before = Date.now();
    const response = await patch(made.id, {
      reviewed: true,
      verdict: 'false_positive',
      reviewer_notes: 'PBX',
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.alert.verdict).toBe('false_positive');
    expect(body.suppression.suspect_number).toBe('2348055555555');
    const untilMs = Date.parse(body.suppression.until);
    expect(untilMs).toBeGreaterThanOrEqual(before + 3 * DAY_MS - 1_000);
    expect(untilMs).toBeLessThanOrEqual(Date.now() + 3 * DAY_MS + 1_000);
    expect(await suppressionRows()).toEqual([
      {
        suspect_number: '2348055555555',
        until: new Date(untilMs),
        case_id: String(made.id),
        created_by: 'reviewer-1',
      },
    ]);
    const pushed = h.engine.appliedRules.at(-1);
    expect(pushed?.suppressions).toEqual([{ number: '2348055555555', untilMs }]);
    // The allowlist was not touched.
    expect(await allowlistRows()).toEqual([]);
    expect(pushed?.allowlist).not.toContain('2348055555555');
    // The engine's start-up load carries it too.
    const loaded = await loadRuleSettings(h.pool, h.engine.appliedRules[0]!);
    expect(loaded.suppressions).toEqual([{ number: '2348055555555', untilMs }]);
  });

  it('suppresses from the case’s last event when that is later than now (replayed traffic)', async () => {
    const future = new Date(Date.now() + 10 * DAY_MS);
    const made = await insertCase(h.pool, { lastEventAt: future });
    const body = (await patch(made.id, { reviewed: true, verdict: 'false_positive' })).json();
    expect(Date.parse(body.suppression.until)).toBe(future.getTime() + 3 * DAY_MS);
  });

  it('a later verdict, or reopening the review, lifts the suppression and pushes again', async () => {
    const made = await insertCase(h.pool, { suspect: '2348066666666' });
    await patch(made.id, { reviewed: true, verdict: 'false_positive' });
    expect(h.engine.appliedRules.at(-1)?.suppressions).toHaveLength(1);
    const changed = await patch(made.id, { reviewed: true, verdict: 'fraud' });
    expect(changed.json().alert.verdict).toBe('fraud');
    expect(await suppressionRows()).toEqual([]);
    expect(h.engine.appliedRules.at(-1)?.suppressions).toEqual([]);

    await patch(made.id, { reviewed: true, verdict: 'false_positive' });
    const reopened = await patch(made.id, { reviewed: false });
    expect(reopened.json().alert).toMatchObject({ reviewed: false, verdict: null });
    expect(await suppressionRows()).toEqual([]);
    expect(h.engine.appliedRules.at(-1)?.suppressions).toEqual([]);
  });

  it('leaves expired suppressions out of what the engine receives', async () => {
    const made = await insertCase(h.pool, { suspect: '2348077777777' });
    await h.pool.query(
      `INSERT INTO case_suppressions (suspect_number, until, case_id) VALUES ('2348000000077', now() - interval '1 hour', NULL)`,
    );
    await patch(made.id, { reviewed: true, verdict: 'false_positive' });
    expect(h.engine.appliedRules.at(-1)?.suppressions?.map((entry) => entry.number)).toEqual([
      '2348077777777',
    ]);
  });

  it('add_to_allowlist adds the exact number in the same request and pushes the allowlist', async () => {
    const made = await insertCase(h.pool, { suspect: '2348088888888' });
    const response = await patch(made.id, {
      reviewed: true,
      verdict: 'false_positive',
      add_to_allowlist: true,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().allowlisted).toEqual({ entry: '2348088888888', created: true });
    expect(await allowlistRows()).toMatchObject([
      { entry: '2348088888888', note: `false positive (case ${made.id})`, created_by: 'reviewer-1' },
    ]);
    const pushed = h.engine.appliedRules.at(-1);
    expect(pushed?.allowlist).toContain('2348088888888');
    expect(pushed?.suppressions?.map((entry) => entry.number)).toEqual(['2348088888888']);
    const listed = await h.app.inject({ url: '/api/v1/sentinel/allowlist', headers: h.auth });
    expect(listed.json().entries).toContainEqual(
      expect.objectContaining({ entry: '2348088888888', source: 'api', created_by: 'reviewer-1' }),
    );
  });

  it('rolls the allowlist entry and the review back when the review fails in the same transaction', async () => {
    const made = await insertCase(h.pool, { suspect: '2348099999999' });
    // A fault inside the transaction, after the case update: the suppression insert fails.
    await h.pool.query(`CREATE OR REPLACE FUNCTION fail_suppression() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected suppression failure'; END $$`);
    await h.pool.query(
      'CREATE TRIGGER fail_suppression BEFORE INSERT ON case_suppressions FOR EACH ROW EXECUTE FUNCTION fail_suppression()',
    );
    const pushesBefore = h.engine.appliedRules.length;
    const response = await patch(made.id, {
      reviewed: true,
      verdict: 'false_positive',
      add_to_allowlist: true,
    });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ status: 'error', error: 'internal_error' });
    expect(await allowlistRows()).toEqual([]);
    const stored = await h.pool.query('SELECT reviewed, verdict, reviewed_by FROM cases WHERE id = $1', [
      made.id,
    ]);
    expect(stored.rows[0]).toEqual({ reviewed: false, verdict: null, reviewed_by: null });
    expect(h.engine.appliedRules.length).toBe(pushesBefore);
  });

  it('keeps the review when the engine cannot take the push, and says so with 503', async () => {
    const made = await insertCase(h.pool, { suspect: '2348044444444' });
    const spy = vi.spyOn(h.engine, 'applyRules').mockRejectedValueOnce(new Error('engine unreachable'));
    try {
      const response = await patch(made.id, { reviewed: true, verdict: 'false_positive' });
      expect(response.statusCode).toBe(503);
      expect(response.json().message).toContain('saved');
    } finally {
      spy.mockRestore();
    }
    expect((await suppressionRows()).map((row) => row.suspect_number)).toEqual(['2348044444444']);
    const loaded = await loadRuleSettings(h.pool, h.engine.appliedRules[0]!);
    expect(loaded.suppressions?.map((entry) => entry.number)).toEqual(['2348044444444']);
  });

  it('keeps the suppression consistent with the final verdict under concurrent reviews', async () => {
    const made = await insertCase(h.pool, { suspect: '2348033333333' });
    const verdicts = Array.from({ length: 12 }, (_unused, index) =>
      index % 2 === 0 ? 'false_positive' : 'fraud',
    );
    const responses = await Promise.all(
      verdicts.map((verdict) => patch(made.id, { reviewed: true, verdict })),
    );
    for (const response of responses) expect(response.statusCode).toBe(200);
    const final = await h.pool.query<{ verdict: string }>('SELECT verdict FROM cases WHERE id = $1', [
      made.id,
    ]);
    const suppressed = (await suppressionRows()).map((row) => row.suspect_number);
    expect(suppressed).toEqual(final.rows[0]!.verdict === 'false_positive' ? ['2348033333333'] : []);
    // Pushes run one at a time in commit order: the engine ends on what the table holds.
    expect(h.engine.appliedRules.at(-1)?.suppressions?.map((entry) => entry.number)).toEqual(suppressed);
  });

  it('answers 400 naming the field for inconsistent bodies and 404 for an unknown case', async () => {
    const made = await insertCase(h.pool);
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'body.reviewed'],
      [{ reviewed: true, verdict: 'guilty' }, 'body.verdict'],
      [{ reviewed: false, verdict: 'fraud' }, 'body.verdict'],
      [{ reviewed: true, verdict: 'fraud', add_to_allowlist: true }, 'body.add_to_allowlist'],
      [{ reviewed: true, add_to_allowlist: true }, 'body.add_to_allowlist'],
    ];
    for (const [payload, field] of cases) {
      const response = await patch(made.id, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json(), JSON.stringify(payload)).toMatchObject({ error: 'validation_failed', field });
    }
    expect(await allowlistRows()).toEqual([]);
    const missing = await patch(987_654_321, {
      reviewed: true,
      verdict: 'false_positive',
      add_to_allowlist: true,
    });
    expect(missing.statusCode).toBe(404);
    expect(await allowlistRows()).toEqual([]);
  });

  it('bulk-reviews old unreviewed LOW cases and nothing else; refuses an unbounded bulk review', async () => {
    const now = Date.now();
    const old = await insertCase(h.pool, { severity: 'LOW', createdAt: new Date(now - 8 * 24 * HOUR_MS) });
    await insertCase(h.pool, { severity: 'LOW', createdAt: new Date(now - HOUR_MS) });
    await insertCase(h.pool, { severity: 'HIGH', createdAt: new Date(now - 8 * 24 * HOUR_MS) });
    const response = await h.app.inject({
      method: 'POST',
      url: '/api/v1/sentinel/alerts/review',
      headers: reviewer,
      payload: { severity: 'LOW', older_than_hours: 168 },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'success', updated: 1, alert_ids: [old.id] });
    const stored = await h.pool.query(
      'SELECT reviewed_by, reviewer_notes, verdict FROM cases WHERE id = $1',
      [old.id],
    );
    expect(stored.rows[0]).toEqual({
      reviewed_by: 'reviewer-1',
      reviewer_notes: 'Auto-reviewed: aged out',
      verdict: null,
    });
    const unbounded = await h.app.inject({
      method: 'POST',
      url: '/api/v1/sentinel/alerts/review',
      headers: reviewer,
      payload: { severity: 'LOW' },
    });
    expect(unbounded.statusCode).toBe(400);
    expect(unbounded.json().field).toBe('body');
  });
});
