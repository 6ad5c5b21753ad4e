/**
 * Per-request correlation ids, one log line per request and the request-duration histogram. The id comes
 * from a well-formed `X-Request-Id` (so a trace can cross a proxy) or is generated; it is echoed in the
 * response and is the `correlation_id` of every log line of the request. Endpoints are labelled by route
 * pattern (`/api/v1/sentinel/alerts/:id`), never the raw URL, so the label set stays small and carries no
 * phone number.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Metrics } from '../metrics/index.js';
import type { ApiApp } from './api-context.js';
import { maskForLog } from './log-masking.js';

const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;
/** Probes and scrapes arrive every few seconds; logging each at info would drown everything else. */
const QUIET_ROUTES = new Set([
  '/health',
  '/health/ready',
  '/metrics',
  '/api/v1/sentinel/health',
  '/api/v1/sentinel/health/ready',
]);

export function requestIdFor(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && REQUEST_ID_PATTERN.test(header) ? header : randomUUID();
}

export function registerRequestObservability(app: ApiApp, metrics: Metrics): void {
  const duration = metrics.histogram('sentinel_api_request_duration_seconds');
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const endpoint = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1_000;
    duration.observe({ method: request.method, endpoint, status: String(reply.statusCode) }, seconds);
    const line = {
      method: request.method,
      url: maskForLog(request.url),
      route: endpoint,
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      principal: request.principal?.name,
      role: request.principal?.role,
    };
    if (QUIET_ROUTES.has(endpoint) && reply.statusCode < 400) request.log.debug(line, 'request completed');
    else request.log.info(line, 'request completed');
  });
}
