/**
 * Request building for the k6 suites against Sentinel's HTTP API (paths under `/api/v1/sentinel`, docs/design.md
 * §7): configuration from `__ENV`, auth headers, URLs and query strings, CSV upload bodies, review bodies,
 * response checks, scenario shapes and thresholds.
 *
 * Deliberately free of imports (no `k6/*`, no Node): k6 loads it as a module next to the scripts, and the
 * project's vitest suite imports it in Node to dry-run every request the scripts would send.
 */

export type EnvMap = Readonly<Record<string, string | undefined>>;

export const API_PREFIX = '/api/v1/sentinel';

export interface ApiConfig {
  /** e.g. `http://localhost:8000`, no trailing slash. */
  baseUrl: string;
  /** Sent as `X-API-Key` when set (and no JWT). */
  apiKey: string | undefined;
  /** Sent as `Authorization: Bearer <jwt>` when set. */
  jwt: string | undefined;
}

/** `BASE_URL` (default http://localhost:8000), `API_KEY`, `JWT`. */
export function readApiConfig(env: EnvMap): ApiConfig {
  const baseUrl = (env.BASE_URL ?? 'http://localhost:8000').trim().replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+/.test(baseUrl)) {
    throw new Error(
      `BASE_URL must be an http(s) URL such as http://localhost:8000, got ${JSON.stringify(env.BASE_URL)}`,
    );
  }
  return { baseUrl, apiKey: nonEmpty(env.API_KEY), jwt: nonEmpty(env.JWT) };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** The auth header for the configured credential: a JWT wins over an API key; none when neither is set. */
export function authHeaders(config: ApiConfig): Record<string, string> {
  if (config.jwt !== undefined) return { Authorization: `Bearer ${config.jwt}` };
  if (config.apiKey !== undefined) return { 'X-API-Key': config.apiKey };
  return {};
}

export function jsonHeaders(config: ApiConfig): Record<string, string> {
  return { ...authHeaders(config), 'Content-Type': 'application/json' };
}

/** Full URL of an API path (`/alerts`, `/health`…) with an optional query string from `alertsQuery`. */
export function apiUrl(config: ApiConfig, path: string, query = ''): string {
  return `${config.baseUrl}${API_PREFIX}${path.startsWith('/') ? path : `/${path}`}${query}`;
}

/** An integer from `env[name]` in `min..max`, or `fallback`. */
export function envInteger(env: EnvMap, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** A k6 duration (`30s`, `2m`, `1m30s`, `500ms`) from `env[name]`, or `fallback`. */
export function envDuration(env: EnvMap, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^(\d+h)?(\d+m(?!s))?(\d+s)?(\d+ms)?$/.test(raw.trim()) || raw.trim() === '') {
    throw new Error(`${name} must be a k6 duration such as 30s, 2m or 1m30s, got ${JSON.stringify(raw)}`);
  }
  return raw.trim();
}

/**
 * The project's pass/fail bar (the predecessor's SentinelSlowAPIResponses alert fired at p95 > 0.5 s):
 * p95 latency under 500 ms, under 1% failed requests, and checks passing.
 */
export function standardThresholds(): Record<string, string[]> {
  return {
    http_req_duration: ['p(95)<500'],
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  };
}

export interface ArrivalRateScenario {
  executor: 'constant-arrival-rate';
  rate: number;
  timeUnit: string;
  duration: string;
  preAllocatedVUs: number;
  maxVUs: number;
  exec?: string;
  tags?: Record<string, string>;
}

/** A constant-arrival-rate scenario: `rate` iterations a second for `duration`. */
export function arrivalRateScenario(
  rate: number,
  duration: string,
  maxVUs: number,
  exec?: string,
): ArrivalRateScenario {
  const scenario: ArrivalRateScenario = {
    executor: 'constant-arrival-rate',
    rate,
    timeUnit: '1s',
    duration,
    preAllocatedVUs: Math.max(1, Math.min(maxVUs, Math.ceil(rate))),
    maxVUs,
  };
  if (exec !== undefined) scenario.exec = exec;
  return scenario;
}

export interface HealthPlan {
  vus: number;
  stages: { duration: string; target: number }[];
  /** Every n-th iteration also asks for `/health/detailed`. */
  detailedEvery: number;
}

/** The predecessor's health scenario: ramp to 100 VUs over 2 m, hold 5 m, ramp down 2 m, one request a second each. */
export function healthPlan(env: EnvMap): HealthPlan {
  const vus = envInteger(env, 'HEALTH_VUS', 100, 1, 10_000);
  const ramp = envDuration(env, 'HEALTH_RAMP', '2m');
  const hold = envDuration(env, 'HEALTH_HOLD', '5m');
  return {
    vus,
    stages: [
      { duration: ramp, target: vus },
      { duration: hold, target: vus },
      { duration: ramp, target: 0 },
    ],
    detailedEvery: envInteger(env, 'HEALTH_DETAILED_EVERY', 10, 1, 1_000_000),
  };
}

/** `{status: "healthy", …}`, as `/health` and `/health/detailed` answer. */
export function isHealthy(body: unknown): boolean {
  return isRecord(body) && body.status === 'healthy';
}

// ---- CSV uploads (POST /ingest, multipart field `cdr_file`) ----

export const CSV_COLUMNS = [
  'call_date',
  'call_time',
  'caller_number',
  'callee_number',
  'duration_seconds',
  'call_direction',
  'termination_cause',
  'location_code',
] as const;

/** A tiny seeded generator (mulberry32): k6 has no seeded random, and uploads must be reproducible. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

export interface CsvBatchOptions {
  /** Data rows (the header is extra). */
  rows: number;
  /** Same seed, same file. */
  seed: number;
  /** Calls start in `(endMs - spanMs, endMs]`. Keep `endMs` at or before now: the API rejects future calls. */
  endMs: number;
  /** @default 600_000 (ten minutes) */
  spanMs?: number;
  /** Ordinary numbers to draw callers and callees from. @default 100_000 */
  subscribers?: number;
  /**
   * Short-duration high-fanout callers mixed in (fixed numbers, so they accumulate distinct callees across
   * files and alert, which gives the alert endpoints something to list). @default 3
   */
  sdhfCallers?: number;
  /** Share of rows from those callers. @default 0.05 */
  sdhfShare?: number;
}

const SUBSCRIBER_BASE = 2_348_030_000_000;
/** The load test's SDHF callers: 234 817 99x xxxx, apart from the subscriber range above. */
export const K6_SDHF_BASE = 2_348_179_900_000;

/** A CSV upload in the predecessor's columns, rows in time order. */
export function buildCdrCsv(options: CsvBatchOptions): string {
  const random = new SeededRandom(options.seed);
  const spanMs = options.spanMs ?? 600_000;
  const subscribers = options.subscribers ?? 100_000;
  const sdhfCallers = options.sdhfCallers ?? 3;
  const sdhfShare = sdhfCallers > 0 ? (options.sdhfShare ?? 0.05) : 0;
  const starts: number[] = [];
  for (let i = 0; i < options.rows; i++) starts.push(options.endMs - Math.floor(random.next() * spanMs));
  starts.sort((a, b) => a - b);
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for (const startMs of starts) {
    const iso = new Date(Math.floor(startMs / 1000) * 1000).toISOString();
    const date = iso.slice(0, 10);
    const time = iso.slice(11, 19);
    const callee = SUBSCRIBER_BASE + random.int(subscribers);
    if (random.next() < sdhfShare) {
      const caller = K6_SDHF_BASE + random.int(sdhfCallers);
      const duration = random.next() < 0.6 ? 0 : 1 + random.int(3);
      lines.push(`${date},${time},${caller},${callee},${duration},outbound,${duration === 0 ? 19 : 16},`);
    } else {
      const caller = SUBSCRIBER_BASE + random.int(subscribers);
      // Log-normal-ish talk time around a minute: exp of a sum of uniforms.
      const duration = Math.round(60 * Math.exp((random.next() + random.next() + random.next() - 1.5) * 1.6));
      const cell = `621-30-${1000 + random.int(100)}-${1 + random.int(60_000)}`;
      lines.push(`${date},${time},${caller},${callee},${duration},outbound,16,${cell}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** One SDHF caller calling `callees` distinct numbers for 1 s each, ending at `endMs`: alerts on arrival. */
export function buildSdhfSeedCsv(caller: number, callees: number, endMs: number): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for (let i = 0; i < callees; i++) {
    const iso = new Date(Math.floor((endMs - (callees - i) * 5_000) / 1000) * 1000).toISOString();
    lines.push(
      `${iso.slice(0, 10)},${iso.slice(11, 19)},${caller},${SUBSCRIBER_BASE + 7 * i + 1},1,outbound,16,`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `POST /ingest` succeeded: `status` success or partial (all duplicates) and counts present. */
export function isIngestAccepted(body: unknown): boolean {
  return (
    isRecord(body) &&
    (body.status === 'success' || body.status === 'partial') &&
    typeof body.records_processed === 'number'
  );
}

// ---- Alerts (GET /alerts, PATCH /alerts/{id}) ----

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface AlertFilter {
  severity?: Severity;
  reviewed?: boolean;
  /** 1..1000 (the API's range). */
  limit?: number;
}

/** `?severity=…&reviewed=…&limit=…` (only the set parts; '' when none). */
export function alertsQuery(filter: AlertFilter): string {
  const parts: string[] = [];
  if (filter.severity !== undefined) {
    if (!SEVERITIES.includes(filter.severity))
      throw new Error(`severity must be one of ${SEVERITIES.join(', ')}`);
    parts.push(`severity=${filter.severity}`);
  }
  if (filter.reviewed !== undefined) parts.push(`reviewed=${filter.reviewed ? 'true' : 'false'}`);
  if (filter.limit !== undefined) {
    if (!Number.isInteger(filter.limit) || filter.limit < 1 || filter.limit > 1000) {
      throw new Error(`limit must be an integer from 1 to 1000, got ${filter.limit}`);
    }
    parts.push(`limit=${filter.limit}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** What analysts ask for, in rotation: the unreviewed queue by severity, recent history, the default page. */
const ANALYST_QUERIES: readonly AlertFilter[] = [
  { reviewed: false, limit: 50 },
  { severity: 'CRITICAL', reviewed: false, limit: 50 },
  { severity: 'HIGH', reviewed: false, limit: 100 },
  {},
  { severity: 'MEDIUM', limit: 200 },
  { reviewed: true, limit: 20 },
  { severity: 'LOW', reviewed: false, limit: 1000 },
];

export function alertFilterFor(iteration: number): AlertFilter {
  return ANALYST_QUERIES[Math.abs(iteration) % ANALYST_QUERIES.length] ?? {};
}

/** `GET /alerts` answered `{status, count, alerts[]}`. */
export function isAlertList(body: unknown): boolean {
  return isRecord(body) && typeof body.count === 'number' && Array.isArray(body.alerts);
}

/** Alert ids from a `GET /alerts` body (strings or numbers, as the API returns them). */
export function alertIdsFrom(body: unknown): (string | number)[] {
  if (!isRecord(body) || !Array.isArray(body.alerts)) return [];
  const ids: (string | number)[] = [];
  for (const alert of body.alerts) {
    if (isRecord(alert) && (typeof alert.id === 'string' || typeof alert.id === 'number')) ids.push(alert.id);
  }
  return ids;
}

/** The `PATCH /alerts/{id}` body: `{reviewed, reviewer_notes}`. */
export function reviewBody(iteration: number, reviewed = true): string {
  return JSON.stringify({ reviewed, reviewer_notes: `k6 load test: reviewed in iteration ${iteration}` });
}

/** `PATCH /alerts/{id}` answered `{status, alert: {id, reviewed, reviewer_notes}}`. */
export function isReviewApplied(body: unknown, reviewed = true): boolean {
  return isRecord(body) && isRecord(body.alert) && body.alert.reviewed === reviewed;
}

/** Path of one alert, id URL-encoded. */
export function alertPath(id: string | number): string {
  return `/alerts/${encodeURIComponent(String(id))}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
