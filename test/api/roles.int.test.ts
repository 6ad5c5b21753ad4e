/**
 * Roles: every registered route has a declared least role, and every route × role answers 403 exactly when the
 * role is below it (with a body naming both); JWTs carry the role in a `role` claim; keys and tokens without a
 * role get AUTH_DEFAULT_ROLE (viewer unless configured); the generated development key is admin.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, ROUTE_ROLES, roleAtLeast, type Role } from '../../src/api/index.js';
import {
  JWT_AUDIENCE,
  JWT_ISSUER,
  JWT_SECRET,
  ROLE_KEYS,
  startApiHarness,
  type ApiHarness,
} from './support/api-harness.js';

const PREFIX = '/api/v1/sentinel';
const SAMPLE_PARAMS: Record<string, string> = {
  id: '987654321',
  number: '2348012345678',
  entry: '2348012345678',
};

async function token(claims: Record<string, unknown>): Promise<string> {
  return await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('jwt-user')
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JWT_SECRET));
}

/** `/api/v1/sentinel/alerts/:id` → a concrete URL; feed routes get a bad query so they answer instead of streaming. */
function concreteUrl(url: string): string {
  const path = url.replace(/:(\w+)/g, (_match, name: string) => SAMPLE_PARAMS[name] ?? 'x');
  return /\/(ws\/alerts|alerts\/stream)$/.test(url) ? `${path}?severity=NOPE` : path;
}

function keyOf(method: string, url: string): string {
  const path = url.startsWith(`${PREFIX}/`) ? url.slice(PREFIX.length) : url;
  return `${method} ${path}`;
}

describe('roles', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const protectedRoutes = () =>
    h.app.registeredRoutes.filter(
      (route) => !route.public && route.method !== 'HEAD' && !route.url.startsWith('/docs'),
    );

  it('declares a least role for every registered route, and nothing that is not a route', () => {
    const routes = protectedRoutes();
    expect(routes.length).toBeGreaterThan(20);
    const undeclared = routes
      .map((route) => keyOf(route.method, route.url))
      .filter((key) => !(key in ROUTE_ROLES));
    expect(undeclared).toEqual([]);
    const registered = new Set(routes.map((route) => keyOf(route.method, route.url)));
    const stale = Object.keys(ROUTE_ROLES).filter((key) => !registered.has(key));
    expect(stale).toEqual([]);
  });

  it('walks every route × role: 403 naming both roles below the least role, never 401/403 at or above it', async () => {
    const failures: string[] = [];
    for (const route of protectedRoutes()) {
      const needed = ROUTE_ROLES[keyOf(route.method, route.url)]!;
      for (const role of ROLES) {
        const response = await h.app.inject({
          method: route.method as 'GET',
          url: concreteUrl(route.url),
          headers: { 'x-api-key': ROLE_KEYS[role], 'content-type': 'application/json' },
          ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: '{}' }),
        });
        const label = `${route.method} ${route.url} as ${role} (needs ${needed})`;
        if (roleAtLeast(role, needed)) {
          if (response.statusCode === 401 || response.statusCode === 403)
            failures.push(`${label}: ${response.statusCode}`);
        } else {
          const body = response.json();
          if (
            response.statusCode !== 403 ||
            body.error !== 'forbidden' ||
            body.required_role !== needed ||
            body.role !== role ||
            !String(body.message).includes(`needs role ${needed}`)
          )
            failures.push(`${label}: ${response.statusCode} ${response.body}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('keeps the documented split: viewers read, analysts review, admins change rules and ingest', () => {
    const expected: [string, Role][] = [
      ['GET /alerts', 'viewer'],
      ['GET /alerts/:id/events', 'viewer'],
      ['GET /detections', 'viewer'],
      ['PATCH /alerts/:id', 'analyst'],
      ['POST /alerts/review', 'analyst'],
      ['PUT /thresholds', 'admin'],
      ['POST /allowlist', 'admin'],
      ['DELETE /allowlist/:entry', 'admin'],
      ['POST /ingest', 'admin'],
    ];
    for (const [key, role] of expected) expect(ROUTE_ROLES[key], key).toBe(role);
  });

  it('reads the role from the JWT role claim; no claim means viewer; an unknown role is refused', async () => {
    const review = async (bearer: string) =>
      await h.app.inject({
        method: 'PATCH',
        url: `${PREFIX}/alerts/987654321`,
        headers: { authorization: `Bearer ${bearer}` },
        payload: { reviewed: true },
      });
    expect((await review(await token({ role: 'analyst' }))).statusCode).toBe(404);
    const plain = await review(await token({}));
    expect(plain.statusCode).toBe(403);
    expect(plain.json()).toMatchObject({ required_role: 'analyst', role: 'viewer' });
    const thresholds = await h.app.inject({
      method: 'PUT',
      url: `${PREFIX}/thresholds`,
      headers: { authorization: `Bearer ${await token({ role: 'analyst' })}` },
      payload: { cooldown_seconds: 60 },
    });
    expect(thresholds.statusCode).toBe(403);
    expect(thresholds.json()).toMatchObject({ required_role: 'admin', role: 'analyst' });
    for (const role of ['root', 'ADMIN', 7]) {
      const refused = await review(await token({ role }));
      expect(refused.statusCode, String(role)).toBe(401);
      expect(refused.json().message).toContain('role');
    }
  });

  it('gives keys and tokens without a role AUTH_DEFAULT_ROLE, and the development key admin', async () => {
    const lenient = await h.buildServer({ env: { AUTH_DEFAULT_ROLE: 'analyst' } });
    const asDefault = await lenient.inject({
      method: 'PATCH',
      url: `${PREFIX}/alerts/987654321`,
      headers: { 'x-api-key': ROLE_KEYS.viewer },
      payload: { reviewed: true },
    });
    expect(asDefault.statusCode).toBe(404);
    const roleless = await lenient.inject({
      method: 'PUT',
      url: `${PREFIX}/thresholds`,
      headers: { authorization: `Bearer ${await token({})}` },
      payload: { cooldown_seconds: 60 },
    });
    expect(roleless.json()).toMatchObject({ required_role: 'admin', role: 'analyst' });

    const dev = await h.buildServer({
      env: { API_KEYS: '', JWT_SECRET: '', ENVIRONMENT: 'development' },
      deps: { devApiKey: 'dev-generated-key-for-roles' },
    });
    const devThresholds = await dev.inject({
      method: 'PUT',
      url: `${PREFIX}/thresholds`,
      headers: { 'x-api-key': 'dev-generated-key-for-roles' },
      payload: {},
    });
    expect(devThresholds.statusCode).toBe(400);
  });

  it('answers an unknown path with 404, not 403, whatever the role', async () => {
    const response = await h.app.inject({
      url: `${PREFIX}/nope`,
      headers: { 'x-api-key': ROLE_KEYS.viewer },
    });
    expect(response.statusCode).toBe(404);
  });
});
