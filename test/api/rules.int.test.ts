import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRuleSettings } from '../../src/api/index.js';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';
import { waitFor } from './support/wait-for.js';

describe('run-time rules: thresholds and allowlist', () => {
  let h: ApiHarness;
  const call = async (
    method: 'GET' | 'PUT' | 'POST' | 'DELETE',
    path: string,
    payload?: Record<string, unknown>,
  ) =>
    await h.app.inject({
      method,
      url: `/api/v1/sentinel${path}`,
      headers: h.auth,
      ...(payload === undefined ? {} : { payload }),
    });

  beforeAll(async () => {
    h = await startApiHarness({ env: { ALLOWLIST: '2348000000000,23499*' } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('shows the configured defaults per window before anything is stored', async () => {
    const body = (await call('GET', '/thresholds')).json();
    expect(body).toMatchObject({
      status: 'success',
      cooldown_seconds: 3_600,
      updated_at: null,
      updated_by: null,
    });
    expect(body.windows_seconds).toEqual([600, 3_600, 86_400]);
    expect(body.thresholds).toContainEqual({
      window_seconds: 600,
      min_unique_destinations: 50,
      max_avg_duration_seconds: 3,
    });
  });

  it('validates threshold changes and names the field', async () => {
    const unknownWindow = await call('PUT', '/thresholds', {
      thresholds: [{ window_seconds: 60, min_unique_destinations: 5, max_avg_duration_seconds: 2 }],
    });
    expect(unknownWindow.statusCode).toBe(400);
    expect(unknownWindow.json().field).toBe('body.thresholds.0.window_seconds');
    const negative = await call('PUT', '/thresholds', { min_unique_destinations: -3 });
    expect(negative.json().field).toBe('body.min_unique_destinations');
    const empty = await call('PUT', '/thresholds', {});
    expect(empty.json()).toMatchObject({ error: 'validation_failed', field: 'body' });
  });

  it('changes detection on the next CDR: stored, pushed to the engine, applied without restart', async () => {
    const caller = '2348200000001';
    const base = Date.now() - 600_000;
    const event = async (index: number) =>
      await call('POST', '/events/call', {
        caller_number: caller,
        callee_number: `2347100000${String(index).padStart(3, '0')}`,
        duration_seconds: 1,
        timestamp: new Date(base + index * 1_000).toISOString(),
      });
    for (let i = 0; i < 6; i++) expect((await event(i)).statusCode).toBe(200);
    expect(h.engine.published.filter((alert) => alert.suspect_number === caller)).toHaveLength(0);

    const put = await call('PUT', '/thresholds', {
      thresholds: [{ window_seconds: 600, min_unique_destinations: 5, max_avg_duration_seconds: 2 }],
      cooldown_seconds: 900,
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ cooldown_seconds: 900, updated_by: 'analyst' });
    expect(put.json().thresholds).toContainEqual({
      window_seconds: 600,
      min_unique_destinations: 5,
      max_avg_duration_seconds: 2,
    });
    // Untouched windows keep their values.
    expect(put.json().thresholds).toContainEqual({
      window_seconds: 3_600,
      min_unique_destinations: 50,
      max_avg_duration_seconds: 3,
    });
    const pushed = h.engine.appliedRules.at(-1);
    expect(pushed?.cooldownSeconds).toBe(900);
    expect(pushed?.thresholds.find((entry) => entry.windowSeconds === 600)?.minUniqueDestinations).toBe(5);

    expect((await event(6)).statusCode).toBe(200);
    const alert = await waitFor(() =>
      h.engine.published.find((candidate) => candidate.suspect_number === caller),
    );
    // avg 1.0 s ≤ 1.0 s: MEDIUM by the seed's table.
    expect(alert).toMatchObject({ window_seconds: 600, unique_destinations: 7, alert_severity: 'MEDIUM' });

    // Persisted: what the engine loads at its next start.
    const stored = await loadRuleSettings(h.pool, h.engine.appliedRules[0]!);
    expect(stored.thresholds.find((entry) => entry.windowSeconds === 600)?.minUniqueDestinations).toBe(5);
    expect(stored.cooldownSeconds).toBe(900);
  });

  it('applies top-level thresholds to every window', async () => {
    const body = (
      await call('PUT', '/thresholds', { min_unique_destinations: 75, max_avg_duration_seconds: 2.5 })
    ).json();
    for (const entry of body.thresholds) {
      expect(entry).toMatchObject({ min_unique_destinations: 75, max_avg_duration_seconds: 2.5 });
    }
  });

  it('lists, adds and removes allowlist entries and pushes each change', async () => {
    const initial = (await call('GET', '/allowlist')).json();
    expect(
      initial.entries.map((entry: { entry: string; source: string }) => [entry.entry, entry.source]),
    ).toEqual([
      ['2348000000000', 'config'],
      ['23499*', 'config'],
    ]);
    const added = await call('POST', '/allowlist', {
      entry: '+2348300000001',
      note: 'corporate call centre',
    });
    expect(added.statusCode).toBe(201);
    expect(added.json().entry).toMatchObject({
      entry: '2348300000001',
      note: 'corporate call centre',
      created_by: 'analyst',
      source: 'api',
    });
    expect(h.engine.appliedRules.at(-1)?.allowlist).toContain('2348300000001');
    expect((await call('POST', '/allowlist', { entry: '2348300000001' })).statusCode).toBe(200);
    expect((await call('POST', '/allowlist', { entry: '2348300*' })).statusCode).toBe(201);
    expect((await call('GET', '/allowlist')).json().count).toBe(4);

    expect((await call('POST', '/allowlist', { entry: '23483-x' })).json().field).toBe('body.entry');
    expect((await call('DELETE', '/allowlist/2348300000001')).json()).toEqual({
      status: 'success',
      deleted: '2348300000001',
    });
    expect(h.engine.appliedRules.at(-1)?.allowlist).not.toContain('2348300000001');
    expect((await call('DELETE', '/allowlist/2348300000001')).statusCode).toBe(404);
    expect((await call('DELETE', '/allowlist/23499*')).statusCode).toBe(409);
  });

  it('stops alerts for an allowlisted caller', async () => {
    await call('PUT', '/thresholds', {
      thresholds: [{ window_seconds: 600, min_unique_destinations: 2, max_avg_duration_seconds: 2 }],
    });
    await call('POST', '/allowlist', { entry: '2348400000001' });
    const base = Date.now() - 300_000;
    for (let i = 0; i < 5; i++) {
      const response = await call('POST', '/events/call', {
        caller_number: '2348400000001',
        callee_number: `234720000000${i}`,
        duration_seconds: 1,
        timestamp: new Date(base + i * 1_000).toISOString(),
      });
      expect(response.statusCode).toBe(200);
    }
    expect(h.engine.published.filter((alert) => alert.suspect_number === '2348400000001')).toHaveLength(0);
    const view = (await call('GET', '/callers/2348400000001')).json();
    expect(view.caller.allowlisted).toBe(true);
  });
});
