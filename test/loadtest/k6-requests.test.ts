import { describe, expect, it } from 'vitest';
import {
  alertFilterFor,
  alertIdsFrom,
  alertPath,
  alertsQuery,
  apiUrl,
  arrivalRateScenario,
  authHeaders,
  buildCdrCsv,
  buildSdhfSeedCsv,
  CSV_COLUMNS,
  envDuration,
  envInteger,
  healthPlan,
  isAlertList,
  isHealthy,
  isIngestAccepted,
  isReviewApplied,
  K6_SDHF_BASE,
  readApiConfig,
  reviewBody,
  standardThresholds,
} from '../../loadtest/k6/lib/sentinel-api.js';
import { cdrMessage, fnv1a32 as k6Fnv1a32, readNatsPlan } from '../../loadtest/k6/lib/nats-messages.js';
import {
  CSV_OPTIONAL_COLUMNS,
  CSV_REQUIRED_COLUMNS,
  decodeCdr,
  fnv1a32,
  parseCdrCsv,
  partitionOf,
} from '../../src/codec/index.js';

const NOW_MS = Date.UTC(2025, 5, 2, 12);

describe('k6 request building: configuration and headers', () => {
  it('reads BASE_URL, API_KEY and JWT from the environment', () => {
    expect(readApiConfig({})).toEqual({
      baseUrl: 'http://localhost:8000',
      apiKey: undefined,
      jwt: undefined,
    });
    const config = readApiConfig({ BASE_URL: 'https://sentinel.example:8443/', API_KEY: ' k ', JWT: '' });
    expect(config).toEqual({ baseUrl: 'https://sentinel.example:8443', apiKey: 'k', jwt: undefined });
    expect(() => readApiConfig({ BASE_URL: 'localhost:8000' })).toThrow(/BASE_URL/);
  });

  it('sends a JWT as a bearer token in preference to an API key, and nothing without credentials', () => {
    expect(authHeaders(readApiConfig({ API_KEY: 'key', JWT: 'a.b.c' }))).toEqual({
      Authorization: 'Bearer a.b.c',
    });
    expect(authHeaders(readApiConfig({ API_KEY: 'key' }))).toEqual({ 'X-API-Key': 'key' });
    expect(authHeaders(readApiConfig({}))).toEqual({});
  });

  it('builds URLs under /api/v1/sentinel', () => {
    const config = readApiConfig({ BASE_URL: 'http://h:8000' });
    expect(apiUrl(config, '/health')).toBe('http://h:8000/api/v1/sentinel/health');
    expect(apiUrl(config, 'alerts', '?limit=5')).toBe('http://h:8000/api/v1/sentinel/alerts?limit=5');
    expect(alertPath('a/b 1')).toBe('/alerts/a%2Fb%201');
  });

  it('validates numeric and duration settings, naming the variable', () => {
    expect(envInteger({ N: '7' }, 'N', 1, 1, 10)).toBe(7);
    expect(envInteger({}, 'N', 3, 1, 10)).toBe(3);
    expect(() => envInteger({ N: '0' }, 'N', 1, 1, 10)).toThrow(/^N must be/);
    expect(envDuration({ D: '1m30s' }, 'D', '2m')).toBe('1m30s');
    expect(envDuration({ D: '500ms' }, 'D', '2m')).toBe('500ms');
    expect(() => envDuration({ D: 'soon' }, 'D', '2m')).toThrow(/^D must be/);
  });
});

describe('k6 request building: scenarios and thresholds', () => {
  it('holds every suite to p95 < 500 ms and under 1% failed requests', () => {
    expect(standardThresholds()).toEqual({
      http_req_duration: ['p(95)<500'],
      http_req_failed: ['rate<0.01'],
      checks: ['rate>0.99'],
    });
  });

  it("keeps the predecessor's health scenario: 100 VUs, 2 m ramp, 5 m hold, 2 m down", () => {
    expect(healthPlan({}).stages).toEqual([
      { duration: '2m', target: 100 },
      { duration: '5m', target: 100 },
      { duration: '2m', target: 0 },
    ]);
    expect(healthPlan({ HEALTH_VUS: '5', HEALTH_RAMP: '5s', HEALTH_HOLD: '10s' }).stages[1]).toEqual({
      duration: '10s',
      target: 5,
    });
  });

  it('builds constant-arrival-rate scenarios', () => {
    expect(arrivalRateScenario(20, '2m', 50, 'listAlerts')).toEqual({
      executor: 'constant-arrival-rate',
      rate: 20,
      timeUnit: '1s',
      duration: '2m',
      preAllocatedVUs: 20,
      maxVUs: 50,
      exec: 'listAlerts',
    });
  });
});

describe('k6 request building: CSV uploads', () => {
  it('uses exactly the engine CSV reader columns', () => {
    expect([...CSV_COLUMNS]).toEqual([...CSV_REQUIRED_COLUMNS, ...CSV_OPTIONAL_COLUMNS]);
  });

  it('builds uploads the engine accepts row for row, reproducible by seed, with SDHF callers mixed in', () => {
    const csv = buildCdrCsv({ rows: 400, seed: 9, endMs: NOW_MS - 5_000 });
    expect(buildCdrCsv({ rows: 400, seed: 9, endMs: NOW_MS - 5_000 })).toBe(csv);
    expect(buildCdrCsv({ rows: 400, seed: 10, endMs: NOW_MS - 5_000 })).not.toBe(csv);
    const parsed = parseCdrCsv(csv, { nowMs: NOW_MS });
    expect(parsed.fileError).toBeUndefined();
    expect(parsed.errors).toEqual([]);
    expect(parsed.records).toHaveLength(400);
    const sdhfRows = parsed.records.filter(
      (r) => r.cdr.caller >= K6_SDHF_BASE && r.cdr.caller < K6_SDHF_BASE + 3,
    );
    expect(sdhfRows.length).toBeGreaterThan(5);
    expect(Math.max(...sdhfRows.map((r) => r.cdr.durationSeconds))).toBeLessThanOrEqual(3);
    for (const record of parsed.records) {
      expect(record.cdr.startMs).toBeLessThanOrEqual(NOW_MS);
      expect(record.cdr.startMs).toBeGreaterThan(NOW_MS - 700_000);
    }
  });

  it('builds an alert seed: one caller, 80 distinct callees, 1 s calls', () => {
    const parsed = parseCdrCsv(buildSdhfSeedCsv(K6_SDHF_BASE + 90, 80, NOW_MS), { nowMs: NOW_MS });
    expect(parsed.errors).toEqual([]);
    expect(new Set(parsed.records.map((r) => r.cdr.caller))).toEqual(new Set([K6_SDHF_BASE + 90]));
    expect(new Set(parsed.records.map((r) => r.cdr.callee)).size).toBe(80);
    expect(parsed.records.every((r) => r.cdr.durationSeconds === 1)).toBe(true);
  });
});

describe('k6 request building: alerts', () => {
  it('builds the query string the API documents', () => {
    expect(alertsQuery({})).toBe('');
    expect(alertsQuery({ severity: 'HIGH', reviewed: false, limit: 50 })).toBe(
      '?severity=HIGH&reviewed=false&limit=50',
    );
    expect(alertsQuery({ reviewed: true })).toBe('?reviewed=true');
    expect(() => alertsQuery({ limit: 0 })).toThrow(/limit/);
    expect(() => alertsQuery({ limit: 1001 })).toThrow(/limit/);
  });

  it('rotates through valid analyst queries', () => {
    const queries = new Set<string>();
    for (let i = 0; i < 14; i++) queries.add(alertsQuery(alertFilterFor(i)));
    expect(queries.size).toBe(7);
    for (const query of queries)
      expect(query).toMatch(
        /^(|\?((severity=(LOW|MEDIUM|HIGH|CRITICAL)|reviewed=(true|false)|limit=\d+)&?)+)$/,
      );
  });

  it('reads list, review and health bodies', () => {
    const list = { status: 'success', count: 2, alerts: [{ id: 4 }, { id: 'x-9' }, { nope: 1 }] };
    expect(isAlertList(list)).toBe(true);
    expect(isAlertList({ status: 'success' })).toBe(false);
    expect(alertIdsFrom(list)).toEqual([4, 'x-9']);
    expect(alertIdsFrom('junk')).toEqual([]);
    expect(JSON.parse(reviewBody(3))).toEqual({
      reviewed: true,
      reviewer_notes: 'k6 load test: reviewed in iteration 3',
    });
    expect(isReviewApplied({ status: 'success', alert: { id: 4, reviewed: true } })).toBe(true);
    expect(isReviewApplied({ status: 'success', alert: { id: 4, reviewed: false } })).toBe(false);
    expect(isHealthy({ status: 'healthy', service: 'sentinel' })).toBe(true);
    expect(isHealthy({ status: 'degraded' })).toBe(false);
    expect(isIngestAccepted({ status: 'partial', records_processed: 3 })).toBe(true);
    expect(isIngestAccepted({ status: 'error', records_processed: 0 })).toBe(false);
  });
});

describe('k6 NATS messages (xk6-nats route)', () => {
  it('hash callers exactly like the engine partitioning', () => {
    for (const digits of ['2348031234567', '1', '4479001234567', '86138000000000']) {
      expect(k6Fnv1a32(digits)).toBe(fnv1a32(digits));
    }
  });

  it('are contract CDRs on their caller partition with Msg-Id = call_id, deterministic per (seed, vu, n)', () => {
    const plan = readNatsPlan({ PARTITIONS: '8', SUBJECT_PREFIX: 'cdr.in', SEED: '3' });
    expect(plan).toMatchObject({
      partitions: 8,
      rate: 1000,
      duration: '1m',
      mode: 'core',
      natsUrl: 'nats://localhost:4222',
    });
    let sdhf = 0;
    for (let n = 0; n < 200; n++) {
      const message = cdrMessage(plan, n, NOW_MS, 2);
      expect(cdrMessage(plan, n, NOW_MS, 2)).toEqual(message);
      const result = decodeCdr(new TextEncoder().encode(message.data), { nowMs: NOW_MS });
      expect(result.ok).toBe(true);
      if (!result.ok) continue;
      expect(message.subject).toBe(`cdr.in.${partitionOf(String(result.cdr.caller), 8)}`);
      expect(message.headers['Nats-Msg-Id']).toBe(result.cdr.callId);
      if (result.cdr.durationSeconds <= 2 && n % 20 === 0) sdhf++;
    }
    expect(sdhf).toBe(10);
    expect(() => readNatsPlan({ NATS_MODE: 'udp' })).toThrow(/NATS_MODE/);
  });
});
