/**
 * Alert listing and review under load: analysts' `GET /alerts` queries in rotation (LIST_RATE a second) and
 * `PATCH /alerts/{id}` reviews (REVIEW_RATE a second) at the same time. `setup()` uploads one SDHF caller's
 * calls and waits for the alert, so a fresh system has something to list and review.
 *
 *   k6 run -e BASE_URL=http://localhost:8000 -e API_KEY=... loadtest/k6/api-alerts.ts
 *   env: BASE_URL, API_KEY | JWT, LIST_RATE (20/s), REVIEW_RATE (2/s), ALERTS_DURATION (2m),
 *        ALERTS_MAX_VUS (50), SEED_WAIT_SECONDS (60)
 */
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import type { Options } from 'k6/options';
import {
  alertFilterFor,
  alertIdsFrom,
  alertPath,
  alertsQuery,
  apiUrl,
  arrivalRateScenario,
  authHeaders,
  buildSdhfSeedCsv,
  envDuration,
  envInteger,
  isAlertList,
  isReviewApplied,
  jsonHeaders,
  K6_SDHF_BASE,
  readApiConfig,
  reviewBody,
  standardThresholds,
} from './lib/sentinel-api.ts';

const config = readApiConfig(__ENV);
const duration = envDuration(__ENV, 'ALERTS_DURATION', '2m');
const maxVUs = envInteger(__ENV, 'ALERTS_MAX_VUS', 50, 1, 10_000);

export const options: Options = {
  setupTimeout: '120s',
  scenarios: {
    list: arrivalRateScenario(envInteger(__ENV, 'LIST_RATE', 20, 1, 100_000), duration, maxVUs, 'listAlerts'),
    review: arrivalRateScenario(
      envInteger(__ENV, 'REVIEW_RATE', 2, 1, 100_000),
      duration,
      maxVUs,
      'reviewAlert',
    ),
  },
  thresholds: {
    ...standardThresholds(),
    'http_req_duration{endpoint:alerts_list}': ['p(95)<500'],
    'http_req_duration{endpoint:alerts_review}': ['p(95)<500'],
  },
};

interface SetupData {
  alertIds: (string | number)[];
}

export function setup(): SetupData {
  const caller = K6_SDHF_BASE + 90 + (Date.now() % 10);
  const csv = buildSdhfSeedCsv(caller, 80, Date.now() - 5_000);
  const upload = http.post(
    apiUrl(config, '/ingest'),
    { cdr_file: http.file(csv, 'k6-alert-seed.csv', 'text/csv') },
    { headers: authHeaders(config), tags: { endpoint: 'setup' } },
  );
  check(upload, { 'setup: seed upload accepted': (r) => r.status === 200 });
  const waitSeconds = envInteger(__ENV, 'SEED_WAIT_SECONDS', 60, 0, 3600);
  for (let second = 0; second <= waitSeconds; second++) {
    const listed = http.get(apiUrl(config, '/alerts', alertsQuery({ limit: 100 })), {
      headers: authHeaders(config),
      tags: { endpoint: 'setup' },
    });
    const ids = listed.status === 200 ? alertIdsFrom(listed.json()) : [];
    if (ids.length > 0) return { alertIds: ids };
    sleep(1);
  }
  return { alertIds: [] };
}

export function listAlerts(): void {
  const iteration = exec.scenario.iterationInTest;
  const response = http.get(apiUrl(config, '/alerts', alertsQuery(alertFilterFor(iteration))), {
    headers: authHeaders(config),
    tags: { endpoint: 'alerts_list' },
  });
  check(response, {
    'alerts: status 200': (r) => r.status === 200,
    'alerts: list body': (r) => r.status === 200 && isAlertList(r.json()),
  });
}

export function reviewAlert(data: SetupData): void {
  const iteration = exec.scenario.iterationInTest;
  const id = data.alertIds[iteration % Math.max(1, data.alertIds.length)];
  if (id === undefined) return; // nothing to review: the setup found no alert (its check already failed)
  const response = http.patch(apiUrl(config, alertPath(id)), reviewBody(iteration), {
    headers: jsonHeaders(config),
    tags: { endpoint: 'alerts_review' },
  });
  check(response, {
    'review: status 200': (r) => r.status === 200,
    'review: applied': (r) => r.status === 200 && isReviewApplied(r.json()),
  });
}
