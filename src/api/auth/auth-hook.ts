/**
 * The onRequest hook that authenticates every route except those marked `config: { public: true }`.
 * It runs before body parsing, so an unauthenticated upload is refused before a byte of it is read, and
 * before the rate limiter, so limits are kept per principal rather than per IP. Then it checks the principal's
 * role against the least role the route declares (403 naming both).
 */
import type { FastifyRequest } from 'fastify';
import type { ApiApp } from '../api-context.js';
import { ForbiddenError, UnauthorizedError } from '../api-errors.js';
import type { Authenticator, PresentedCredentials } from './authenticator.js';
import type { Principal } from './principal.js';
import { roleAtLeast, type Role } from './roles.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** No credential needed (liveness, readiness, the public metrics scrape). */
    public?: boolean;
    /** Also accept the credential as `?access_token=` (live feed routes: browsers cannot set WS headers). */
    allowQueryToken?: boolean;
  }
  interface FastifyRequest {
    /** Set by the auth hook; null only on public routes. */
    principal: Principal | null;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const single = Array.isArray(value) ? value[0] : value;
  return single === undefined ? undefined : single.trim();
}

function presentedCredentials(request: FastifyRequest): PresentedCredentials {
  const authorization = headerValue(request.headers.authorization);
  const bearer =
    authorization !== undefined && /^bearer\s+/i.test(authorization)
      ? authorization.replace(/^bearer\s+/i, '')
      : undefined;
  let queryToken: string | undefined;
  if (request.routeOptions.config.allowQueryToken === true) {
    const query = request.query as Record<string, unknown> | undefined;
    const raw = query?.access_token;
    queryToken = typeof raw === 'string' ? raw : undefined;
  }
  return { apiKey: headerValue(request.headers['x-api-key']), bearer, queryToken };
}

export interface AuthHookOptions {
  authenticator: Authenticator;
  /** Extra public routes decided at build time (e.g. `/docs/*` when the docs are public). */
  isPublic?: (request: FastifyRequest) => boolean;
  /** The least role the request's route needs (route-roles.ts). */
  requiredRole: (request: FastifyRequest) => Role;
}

export function registerAuthHook(app: ApiApp, options: AuthHookOptions): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.public === true || options.isPublic?.(request) === true) return;
    try {
      request.principal = await options.authenticator.authenticate(presentedCredentials(request));
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        request.log.info({ reason: error.message }, 'request refused: not authenticated');
        void reply.header('www-authenticate', 'Bearer realm="sentinel"');
      }
      throw error;
    }
    const needed = options.requiredRole(request);
    if (!roleAtLeast(request.principal.role, needed)) {
      request.log.info(
        { principal: request.principal.name, role: request.principal.role, needed },
        'request refused: role too low',
      );
      throw new ForbiddenError(
        needed,
        request.principal.role,
        `${request.method} ${request.routeOptions.url ?? ''}`,
      );
    }
  });
}
