import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_CATALOG } from '../../src/metrics/index.js';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';
import { insertCase } from './support/fixtures.js';

/** Metrics the API itself moves (the pipeline's own need the real engine). */
const API_METRICS = [
  'sentinel_api_request_duration_seconds',
  'sentinel_active_websocket_connections',
  'sentinel_websocket_connections_total',
  'sentinel_realtime_events_received_total',
  'sentinel_detection_runs_total',
  'sentinel_detection_duration_seconds',
  'sentinel_last_detection_timestamp',
  'sentinel_ingestion_duration_seconds',
  'sentinel_unreviewed_alerts',
  'sentinel_database_pool_utilization',
];

describe('health, readiness, metrics and the OpenAPI document', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ deps: { unreviewedRefreshMs: 50 } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('reports readiness from the workers: 503 while replaying, 200 when ready', async () => {
    h.engine.workerState = 'replaying';
    const replaying = await h.app.inject({ url: '/health/ready' });
    expect(replaying.statusCode).toBe(503);
    expect(replaying.json()).toMatchObject({ status: 'not_ready', workers: [{ id: 0, state: 'replaying' }] });
    expect((await h.app.inject({ url: '/health' })).statusCode).toBe(200);
    h.engine.workerState = 'ready';
    expect((await h.app.inject({ url: '/health/ready' })).json()).toMatchObject({ status: 'ready' });
  });

  it('details NATS, Postgres, workers, lag, backlog and disk', async () => {
    expect((await h.app.inject({ url: '/api/v1/sentinel/health/detailed' })).statusCode).toBe(401);
    const response = await h.app.inject({ url: '/api/v1/sentinel/health/detailed', headers: h.auth });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ status: 'healthy', service: 'sentinel', version: '0.0.0-test' });
    expect(body.checks.nats).toMatchObject({ status: 'up', connected: true });
    expect(body.checks.postgres).toMatchObject({ status: 'up', pool: { max: 5 } });
    expect(body.checks.workers).toEqual([
      expect.objectContaining({ id: 0, state: 'ready', sink_circuit: 'closed', partitions: [0, 1, 2, 3] }),
    ]);
    expect(body.checks.consumer_lag).toEqual({ '0': 0, '1': 0, '2': 0, '3': 0 });
    expect(body.checks.sink_backlog_rows).toBe(0);
    expect(Array.isArray(body.checks.disk)).toBe(true);

    h.engine.workerState = 'failed';
    const failed = await h.app.inject({ url: '/api/v1/sentinel/health/detailed', headers: h.auth });
    expect(failed.statusCode).toBe(503);
    expect(failed.json().status).toBe('unhealthy');
    h.engine.workerState = 'ready';
  });

  it('degrades on a switch whose rejected share is over the limit, naming it and its top reason', async () => {
    const detailed = async () =>
      (await h.app.inject({ url: '/api/v1/sentinel/health/detailed', headers: h.auth })).json();
    const tally = (source: string, accepted: number, rejected: [string, number][]) => ({
      source,
      accepted,
      late: 0,
      rejected,
      skew: [],
    });
    // 60 % rejected, but 50 records: under SOURCE_REJECTED_MIN_RECORDS (100), one quiet switch does not flip it.
    h.engine.sources.apply([tally('sw-quiet', 20, [['invalid_json', 30]])]);
    const quiet = await detailed();
    expect(quiet.status).toBe('healthy');
    expect(quiet.checks.sources).toMatchObject({ status: 'ok', degraded: [], min_records: 100 });

    h.engine.sources.apply([
      tally('sw-7', 70, [
        ['invalid_start', 25],
        ['invalid_caller', 5],
      ]),
      tally('sw-8', 400, [['invalid_start', 4]]),
    ]);
    const response = await h.app.inject({ url: '/api/v1/sentinel/health/detailed', headers: h.auth });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.status).toBe('degraded');
    expect(body.checks.sources.degraded).toEqual([
      {
        source: 'sw-7',
        rejected_share: 0.3,
        top_reason: 'invalid_start',
        message:
          'source sw-7: 30.0% of 100 records rejected in the last 600 s (over 5.0%), mostly invalid_start',
      },
    ]);
    expect(body.checks.sources.by_source.map((s: { source: string }) => s.source)).toEqual([
      'sw-8',
      'sw-7',
      'sw-quiet',
    ]);
    expect(body.checks.sources.by_source[0]).toMatchObject({
      records: 404,
      rejected: 4,
      top_reason: 'invalid_start',
      status: 'ok',
      skew_p50_seconds: null,
    });
  });

  it('exposes every catalogued metric; the API counters move with requests', async () => {
    await h.app.inject({ url: '/api/v1/sentinel/alerts?limit=5', headers: h.auth });
    const response = await h.app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    for (const spec of METRIC_CATALOG) expect(text, spec.name).toContain(`# TYPE ${spec.name} ${spec.kind}`);
    for (const name of API_METRICS) expect(text, name).toContain(`# HELP ${name} `);
    expect(text).toMatch(
      /sentinel_api_request_duration_seconds_count\{method="GET",endpoint="\/api\/v1\/sentinel\/alerts",status="200"\} 1/,
    );
    expect(text).toMatch(/^sentinel_database_pool_utilization \d/m);
  });

  it('counts open unreviewed cases in the unreviewed-alert gauge, not detection-log rows', async () => {
    // Window-level rows of fraud_alerts no longer count: one case per suspect is the backlog.
    await h.pool.query(
      `INSERT INTO fraud_alerts (alert_key, episode_key, alert_type, detection_rule, rule, suspect_number, alert_severity)
       VALUES ('k1', 'e1', 'SDHF_SIMBOX', 'SDHF_001', 'sdhf', '2348000000001', 'LOW'),
              ('k2', 'e2', 'SDHF_SIMBOX', 'SDHF_001', 'sdhf', '2348000000002', 'HIGH')`,
    );
    await insertCase(h.pool, { severity: 'LOW' });
    await insertCase(h.pool, { severity: 'CRITICAL' });
    await insertCase(h.pool, { severity: 'HIGH', reviewed: true });
    await insertCase(h.pool, { severity: 'HIGH', status: 'closed' });
    const value = async () => /^sentinel_unreviewed_alerts (\d+)$/m.exec(await h.metrics.text())?.[1];
    await expect.poll(value, { timeout: 10_000 }).toBe('2');
    await h.pool.query("UPDATE cases SET reviewed = true WHERE severity = 'CRITICAL'");
    await expect.poll(value, { timeout: 10_000 }).toBe('1');
  });

  it('serves the OpenAPI document generated from the route schemas', async () => {
    const response = await h.app.inject({ url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toBe('3.0.3');
    for (const path of [
      '/api/v1/sentinel/alerts',
      '/api/v1/sentinel/alerts/{id}',
      '/api/v1/sentinel/alerts/review',
      '/api/v1/sentinel/alerts/{id}/events',
      '/api/v1/sentinel/detections',
      '/api/v1/sentinel/detections/{id}',
      '/api/v1/sentinel/ingest',
      '/api/v1/sentinel/events/call',
      '/api/v1/sentinel/callers/{number}',
      '/api/v1/sentinel/detect/sdhf',
      '/api/v1/sentinel/thresholds',
      '/api/v1/sentinel/allowlist',
      '/api/v1/sentinel/health/detailed',
      '/health',
      '/health/ready',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const limit = doc.paths['/api/v1/sentinel/alerts'].get.parameters.find(
      (p: { name: string }) => p.name === 'limit',
    );
    expect(limit.schema).toMatchObject({ minimum: 1, maximum: 1000, default: 50 });
    expect(doc.paths['/health'].get.security).toEqual([]);
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ in: 'header', name: 'X-API-Key' });
  });

  it('echoes a well-formed X-Request-Id and answers 404 for unknown routes in the error shape', async () => {
    const response = await h.app.inject({
      url: '/api/v1/sentinel/nope',
      headers: { ...h.auth, 'x-request-id': 'trace-123' },
    });
    expect(response.statusCode).toBe(404);
    expect(response.headers['x-request-id']).toBe('trace-123');
    expect(response.json()).toMatchObject({ status: 'error', error: 'not_found' });
    const injected = await h.app.inject({
      url: '/health',
      headers: { 'x-request-id': 'bad id\nwith newline' },
    });
    expect(injected.headers['x-request-id']).not.toContain('bad');
  });
});
