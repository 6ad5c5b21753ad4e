/**
 * The predecessor's health-check load test, kept as operators know it: ramp to 100 VUs over 2 minutes, hold
 * 5 minutes, ramp down over 2, each VU calling `GET /health` once a second; every 10th iteration also asks
 * `GET /health/detailed` (with credentials, in case it is protected).
 *
 *   k6 run -e BASE_URL=http://localhost:8000 loadtest/k6/health.ts
 *   env: BASE_URL, API_KEY | JWT, HEALTH_VUS (100), HEALTH_RAMP (2m), HEALTH_HOLD (5m), HEALTH_DETAILED_EVERY (10)
 */
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import type { Options } from 'k6/options';
import {
  apiUrl,
  authHeaders,
  healthPlan,
  isHealthy,
  readApiConfig,
  standardThresholds,
} from './lib/sentinel-api.ts';

const config = readApiConfig(__ENV);
const plan = healthPlan(__ENV);

export const options: Options = {
  scenarios: {
    health: { executor: 'ramping-vus', startVUs: 0, stages: plan.stages, gracefulRampDown: '10s' },
  },
  thresholds: {
    ...standardThresholds(),
    'http_req_duration{endpoint:health}': ['p(95)<500'],
    'http_req_duration{endpoint:health_detailed}': ['p(95)<500'],
  },
};

export default function (): void {
  const response = http.get(apiUrl(config, '/health'), { tags: { endpoint: 'health' } });
  check(response, {
    'health: status 200': (r) => r.status === 200,
    'health: healthy': (r) => r.status === 200 && isHealthy(r.json()),
  });
  if (exec.scenario.iterationInTest % plan.detailedEvery === 0) {
    const detailed = http.get(apiUrl(config, '/health/detailed'), {
      headers: authHeaders(config),
      tags: { endpoint: 'health_detailed' },
    });
    check(detailed, { 'health/detailed: status 200': (r) => r.status === 200 });
  }
  sleep(1);
}
