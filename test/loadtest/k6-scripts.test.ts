/**
 * Dry runs of the k6 scripts themselves: k6 is not installed here, so its modules (`k6`, `k6/http`,
 * `k6/execution`, `k6/x/nats`) are replaced by a recording stand-in that answers like the API documents.
 * Each script is imported as k6 would load it and its exported functions are called; the test checks every
 * request it built (URL, headers, body) and that its checks pass on well-formed answers.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeCdr, parseCdrCsv, partitionOf } from '../../src/codec/index.js';

interface Sent {
  method: string;
  url: string;
  body: unknown;
  headers: Record<string, string>;
  tags: Record<string, string>;
}

const k6 = vi.hoisted(() => {
  const state = {
    sent: [] as Sent[],
    checks: [] as { name: string; ok: boolean }[],
    published: [] as { subject: string; data: string; headers: Record<string, string> }[],
    iteration: 0,
  };
  const answer = (method: string, url: string): { status: number; body: unknown } => {
    if (url.includes('/health'))
      return { status: 200, body: { status: 'healthy', service: 'sentinel', version: '0.1.0' } };
    if (url.includes('/ingest'))
      return { status: 200, body: { status: 'success', records_processed: 1, records_inserted: 1 } };
    if (method === 'PATCH')
      return { status: 200, body: { status: 'success', alert: { id: 7, reviewed: true } } };
    return { status: 200, body: { status: 'success', count: 2, alerts: [{ id: 7 }, { id: 'a-9' }] } };
  };
  const request = (
    method: string,
    url: string,
    body: unknown,
    params?: { headers?: Record<string, string>; tags?: Record<string, string> },
  ) => {
    state.sent.push({ method, url, body, headers: params?.headers ?? {}, tags: params?.tags ?? {} });
    const { status, body: json } = answer(method, url);
    return { status, json: () => json };
  };
  const http = {
    get: (url: string, params?: { headers?: Record<string, string>; tags?: Record<string, string> }) =>
      request('GET', url, null, params),
    post: (
      url: string,
      body: unknown,
      params?: { headers?: Record<string, string>; tags?: Record<string, string> },
    ) => request('POST', url, body, params),
    patch: (
      url: string,
      body: unknown,
      params?: { headers?: Record<string, string>; tags?: Record<string, string> },
    ) => request('PATCH', url, body, params),
    file: (data: string, filename: string, contentType: string) => ({
      data,
      filename,
      content_type: contentType,
    }),
  };
  const check = (value: unknown, checkers: Record<string, (v: unknown) => boolean>): boolean => {
    let all = true;
    for (const [name, fn] of Object.entries(checkers)) {
      const ok = fn(value);
      state.checks.push({ name, ok });
      all &&= ok;
    }
    return all;
  };
  class Nats {
    publishWithHeaders(subject: string, data: string, headers: Record<string, string>): void {
      state.published.push({ subject, data, headers });
    }
    jetStreamPublishWithHeaders(subject: string, data: string, headers: Record<string, string>): void {
      state.published.push({ subject, data, headers });
    }
    close(): void {}
  }
  return { state, http, check, Nats };
});

vi.mock('k6', () => ({ check: k6.check, sleep: () => undefined }));
vi.mock('k6/http', () => ({ default: k6.http }));
vi.mock('k6/execution', () => ({
  default: {
    scenario: {
      get iterationInTest() {
        return k6.state.iteration;
      },
    },
    vu: { idInTest: 1 },
  },
}));
vi.mock('k6/x/nats', () => ({ Nats: k6.Nats }));

type Script = Record<string, unknown> & {
  options: { scenarios: Record<string, Record<string, unknown>>; thresholds: Record<string, string[]> };
};

/** Imports a script fresh with `env` as `__ENV` (the path is computed so tsc does not compile k6 code). */
async function load(name: string, env: Record<string, string>): Promise<Script> {
  (globalThis as { __ENV?: Record<string, string> }).__ENV = env;
  vi.resetModules();
  const path = `../../loadtest/k6/${name}.ts`;
  return (await import(/* @vite-ignore */ path)) as Script;
}

function call(script: Script, name: string, ...args: unknown[]): unknown {
  const fn = script[name];
  if (typeof fn !== 'function') throw new Error(`script exports no function ${name}`);
  return (fn as (...a: unknown[]) => unknown)(...args);
}

beforeEach(() => {
  k6.state.sent.length = 0;
  k6.state.checks.length = 0;
  k6.state.published.length = 0;
  k6.state.iteration = 0;
});

const failedChecks = (): string[] => k6.state.checks.filter((c) => !c.ok).map((c) => c.name);

describe('k6 scripts, dry run', () => {
  it('health.ts: the seed scenario, GET /health each iteration and /health/detailed every 10th', async () => {
    const script = await load('health', { BASE_URL: 'http://api:8000', API_KEY: 'secret' });
    expect(script.options.scenarios.health).toMatchObject({ executor: 'ramping-vus' });
    expect(script.options.thresholds.http_req_duration).toEqual(['p(95)<500']);
    expect(script.options.thresholds.http_req_failed).toEqual(['rate<0.01']);
    for (let i = 0; i < 12; i++) {
      k6.state.iteration = i;
      call(script, 'default');
    }
    const urls = k6.state.sent.map((s) => s.url);
    expect(urls.filter((u) => u === 'http://api:8000/api/v1/sentinel/health')).toHaveLength(12);
    const detailed = k6.state.sent.filter((s) => s.url.endsWith('/health/detailed'));
    expect(detailed).toHaveLength(2);
    expect(detailed[0]?.headers['X-API-Key']).toBe('secret');
    expect(failedChecks()).toEqual([]);
  });

  it('api-ingest.ts: multipart cdr_file uploads the engine accepts, at the configured rate', async () => {
    const script = await load('api-ingest', {
      BASE_URL: 'http://api:8000',
      JWT: 'h.p.s',
      INGEST_RATE: '12',
      INGEST_ROWS: '50',
    });
    expect(script.options.scenarios.ingest).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: 12,
      timeUnit: '1s',
    });
    for (let i = 0; i < 3; i++) {
      k6.state.iteration = i;
      call(script, 'default');
    }
    expect(k6.state.sent).toHaveLength(3);
    const bodies = new Set<string>();
    for (const sent of k6.state.sent) {
      expect(sent.method).toBe('POST');
      expect(sent.url).toBe('http://api:8000/api/v1/sentinel/ingest');
      expect(sent.headers.Authorization).toBe('Bearer h.p.s');
      const file = (sent.body as { cdr_file: { data: string; filename: string; content_type: string } })
        .cdr_file;
      expect(file.filename).toMatch(/\.csv$/);
      expect(file.content_type).toBe('text/csv');
      const parsed = parseCdrCsv(file.data, { nowMs: Date.now() });
      expect(parsed.errors).toEqual([]);
      expect(parsed.records).toHaveLength(50);
      bodies.add(file.data);
    }
    expect(bodies.size).toBe(3); // each iteration uploads different calls
    expect(failedChecks()).toEqual([]);
  });

  it('api-alerts.ts: setup seeds an alert, then lists with analyst filters and reviews by id', async () => {
    const script = await load('api-alerts', {
      BASE_URL: 'http://api:8000',
      API_KEY: 'k',
      LIST_RATE: '30',
      REVIEW_RATE: '3',
    });
    expect(Object.keys(script.options.scenarios)).toEqual(['list', 'review']);
    expect(script.options.scenarios.list).toMatchObject({ rate: 30, exec: 'listAlerts' });
    expect(script.options.scenarios.review).toMatchObject({ rate: 3, exec: 'reviewAlert' });

    const data = call(script, 'setup') as { alertIds: (string | number)[] };
    expect(data.alertIds).toEqual([7, 'a-9']);
    const seed = k6.state.sent[0];
    expect(seed?.url).toBe('http://api:8000/api/v1/sentinel/ingest');
    const seedCsv = (seed?.body as { cdr_file: { data: string } }).cdr_file.data;
    const parsed = parseCdrCsv(seedCsv, { nowMs: Date.now() });
    expect(parsed.errors).toEqual([]);
    expect(new Set(parsed.records.map((r) => r.cdr.callee)).size).toBeGreaterThan(50);

    k6.state.sent.length = 0;
    for (let i = 0; i < 7; i++) {
      k6.state.iteration = i;
      call(script, 'listAlerts');
      call(script, 'reviewAlert', data);
    }
    const lists = k6.state.sent.filter((s) => s.method === 'GET');
    expect(new Set(lists.map((s) => s.url)).size).toBe(7);
    for (const list of lists) {
      expect(list.url).toMatch(/^http:\/\/api:8000\/api\/v1\/sentinel\/alerts(\?.*)?$/);
      expect(list.headers['X-API-Key']).toBe('k');
    }
    const reviews = k6.state.sent.filter((s) => s.method === 'PATCH');
    expect(reviews.map((s) => s.url)).toContain('http://api:8000/api/v1/sentinel/alerts/a-9');
    for (const review of reviews) {
      expect(review.headers['Content-Type']).toBe('application/json');
      expect(JSON.parse(review.body as string)).toMatchObject({ reviewed: true });
    }
    expect(failedChecks()).toEqual([]);
  });

  it('nats-publish.ts: contract CDRs on partition subjects with Msg-Id headers', async () => {
    const script = await load('nats-publish', { NATS_RATE: '2500', PARTITIONS: '16' });
    expect(script.options.scenarios.publish).toMatchObject({ executor: 'constant-arrival-rate', rate: 2500 });
    for (let i = 0; i < 40; i++) {
      k6.state.iteration = i;
      call(script, 'default');
    }
    expect(k6.state.published).toHaveLength(40);
    for (const message of k6.state.published) {
      const result = decodeCdr(new TextEncoder().encode(message.data), { nowMs: Date.now() });
      expect(result.ok).toBe(true);
      if (!result.ok) continue;
      expect(message.subject).toBe(`cdr.in.${partitionOf(String(result.cdr.caller), 16)}`);
      expect(message.headers['Nats-Msg-Id']).toBe(result.cdr.callId);
    }
    expect(failedChecks()).toEqual([]);
  });
});
