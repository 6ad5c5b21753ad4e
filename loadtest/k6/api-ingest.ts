/**
 * CSV ingest at a target rate: `POST /ingest` with a multipart `cdr_file` upload, INGEST_RATE files a second,
 * each INGEST_ROWS rows of the predecessor's columns (ordinary calls plus a few SDHF callers, so alerts
 * appear while it runs). Rows are stamped within the ten minutes before each upload.
 *
 *   k6 run -e BASE_URL=http://localhost:8000 -e API_KEY=... loadtest/k6/api-ingest.ts
 *   env: BASE_URL, API_KEY | JWT, INGEST_RATE (5 files/s), INGEST_ROWS (500), INGEST_DURATION (2m),
 *        INGEST_MAX_VUS (50), SEED (1)
 */
import { check } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import type { Options } from 'k6/options';
import {
  apiUrl,
  arrivalRateScenario,
  authHeaders,
  buildCdrCsv,
  envDuration,
  envInteger,
  isIngestAccepted,
  readApiConfig,
  standardThresholds,
} from './lib/sentinel-api.ts';

const config = readApiConfig(__ENV);
const rate = envInteger(__ENV, 'INGEST_RATE', 5, 1, 100_000);
const rows = envInteger(__ENV, 'INGEST_ROWS', 500, 1, 1_000_000);
const seed = envInteger(__ENV, 'SEED', 1, 0, 2 ** 31 - 1);

export const options: Options = {
  scenarios: {
    ingest: arrivalRateScenario(
      rate,
      envDuration(__ENV, 'INGEST_DURATION', '2m'),
      envInteger(__ENV, 'INGEST_MAX_VUS', 50, 1, 10_000),
    ),
  },
  thresholds: { ...standardThresholds(), 'http_req_duration{endpoint:ingest}': ['p(95)<500'] },
};

export default function (): void {
  const iteration = exec.scenario.iterationInTest;
  const csv = buildCdrCsv({ rows, seed: seed * 1_000_003 + iteration, endMs: Date.now() - 5_000 });
  const response = http.post(
    apiUrl(config, '/ingest'),
    { cdr_file: http.file(csv, `k6-cdrs-${iteration}.csv`, 'text/csv') },
    { headers: authHeaders(config), tags: { endpoint: 'ingest' } },
  );
  check(response, {
    'ingest: status 200': (r) => r.status === 200,
    'ingest: accepted': (r) => r.status === 200 && isIngestAccepted(r.json()),
  });
}
