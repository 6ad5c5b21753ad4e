/**
 * Per-principal request rates for the expensive endpoints (ingest, detect). Keys are the authenticated
 * principal's name, not the client IP: several analysts behind one proxy do not share a budget, and one key
 * used from many hosts does not get several. The limiter runs as a preHandler, after authentication.
 * Counters live in this process; with several replicas each enforces its own share.
 */
import type { preHandlerAsyncHookHandler } from 'fastify';
import type { ApiApp } from './api-context.js';
import { RateLimitedError } from './api-errors.js';

const ONE_MINUTE_MS = 60_000;

/** One limiter; routes sharing the returned hook share its budget. */
export function rateLimitFor(app: ApiApp, perMinute: number): preHandlerAsyncHookHandler {
  return app.rateLimit({
    max: perMinute,
    timeWindow: ONE_MINUTE_MS,
    keyGenerator: (request) => `principal:${request.principal?.name ?? `ip:${request.ip}`}`,
    errorResponseBuilder: (_request, context) =>
      new RateLimitedError(
        `rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`,
        Math.max(1, Math.ceil(context.ttl / 1_000)),
      ),
  }) as preHandlerAsyncHookHandler;
}
