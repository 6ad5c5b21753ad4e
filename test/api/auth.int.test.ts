import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiConfigError, buildApiServer } from '../../src/api/index.js';
import type { EnginePort } from '../../src/api/index.js';
import { Metrics } from '../../src/metrics/index.js';
import {
  JWT_AUDIENCE,
  JWT_ISSUER,
  JWT_SECRET,
  OPS_KEY,
  startApiHarness,
  testConfig,
  type ApiHarness,
} from './support/api-harness.js';

const secretKey = new TextEncoder().encode(JWT_SECRET);

async function hsToken(
  claims: { sub?: string; iss?: string; aud?: string; expiresIn?: string } = {},
): Promise<string> {
  let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (claims.sub !== '') jwt = jwt.setSubject(claims.sub ?? 'jwt-analyst');
  jwt = jwt.setIssuer(claims.iss ?? JWT_ISSUER).setAudience(claims.aud ?? JWT_AUDIENCE);
  jwt = jwt.setExpirationTime(claims.expiresIn ?? '5m');
  return await jwt.sign(secretKey);
}

describe('authentication', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers liveness and readiness without a credential, at the root and under the prefix', async () => {
    for (const url of ['/health', '/api/v1/sentinel/health']) {
      const response = await h.app.inject({ url });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'healthy', service: 'sentinel', version: '0.0.0-test' });
    }
    expect((await h.app.inject({ url: '/health/ready' })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/api/v1/sentinel/health/ready' })).statusCode).toBe(200);
  });

  it('serves /metrics at the root without a credential but requires one under the prefix', async () => {
    expect((await h.app.inject({ url: '/metrics' })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/api/v1/sentinel/metrics' })).statusCode).toBe(401);
    expect((await h.app.inject({ url: '/api/v1/sentinel/metrics', headers: h.auth })).statusCode).toBe(200);
  });

  it('refuses a request without a credential with 401 and a Bearer challenge', async () => {
    const response = await h.app.inject({ url: '/api/v1/sentinel/alerts' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(response.json()).toMatchObject({ status: 'error', error: 'unauthorized' });
  });

  it('refuses an unknown API key and accepts configured ones', async () => {
    const bad = await h.app.inject({ url: '/api/v1/sentinel/alerts', headers: { 'x-api-key': 'nope' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().message).toBe('invalid API key');
    expect((await h.app.inject({ url: '/api/v1/sentinel/alerts', headers: h.auth })).statusCode).toBe(200);
    const ops = await h.app.inject({ url: '/api/v1/sentinel/alerts', headers: { 'x-api-key': OPS_KEY } });
    expect(ops.statusCode).toBe(200);
  });

  it('accepts an API key sent as a bearer token', async () => {
    const response = await h.app.inject({
      url: '/api/v1/sentinel/alerts',
      headers: { authorization: `Bearer ${OPS_KEY}` },
    });
    expect(response.statusCode).toBe(200);
  });

  it('accepts an HS256 JWT with the configured issuer and audience', async () => {
    const response = await h.app.inject({
      url: '/api/v1/sentinel/alerts',
      headers: { authorization: `Bearer ${await hsToken()}` },
    });
    expect(response.statusCode).toBe(200);
  });

  it('refuses a JWT with the wrong issuer, the wrong audience, no sub, or past its expiry', async () => {
    const cases: [string, string][] = [
      [await hsToken({ iss: 'https://evil.example' }), 'token claim iss is not accepted'],
      [await hsToken({ aud: 'someone-else' }), 'token claim aud is not accepted'],
      [await hsToken({ sub: '' }), 'token has no sub claim'],
      [await hsToken({ expiresIn: '-1m' }), 'token expired'],
    ];
    for (const [token, message] of cases) {
      const response = await h.app.inject({
        url: '/api/v1/sentinel/alerts',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.statusCode).toBe(401);
      expect(response.json().message).toBe(message);
    }
  });

  it('refuses a JWT signed with another secret or with alg none', async () => {
    const forged = await new SignJWT({ sub: 'mallory' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(JWT_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: 'mallory', iss: JWT_ISSUER, aud: JWT_AUDIENCE }),
    ).toString('base64url')}.`;
    for (const token of [forged, unsigned]) {
      const response = await h.app.inject({
        url: '/api/v1/sentinel/alerts',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.statusCode).toBe(401);
    }
  });
});

describe('building the server', () => {
  const engine = {} as EnginePort;
  const logger = pino({ level: 'silent' });
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('refuses to build in production without any credential', async () => {
    const config = testConfig({ ENVIRONMENT: 'production', API_KEYS: '', JWT_SECRET: '' });
    await expect(
      buildApiServer({
        config,
        pool: {} as never,
        engine,
        metrics: new Metrics('t'),
        logger,
        version: 't',
        devApiKey: 'x',
      }),
    ).rejects.toBeInstanceOf(ApiConfigError);
  });

  it('refuses to build outside production when nothing could authenticate', async () => {
    const config = testConfig({ API_KEYS: '', JWT_SECRET: '' });
    await expect(
      buildApiServer({ config, pool: {} as never, engine, metrics: new Metrics('t'), logger, version: 't' }),
    ).rejects.toBeInstanceOf(ApiConfigError);
  });

  it('accepts the generated development key only outside production when nothing is configured', async () => {
    const app = await h.buildServer({
      env: { API_KEYS: '', JWT_SECRET: '', ENVIRONMENT: 'development' },
      deps: { devApiKey: 'dev-generated-key' },
    });
    const ok = await app.inject({
      url: '/api/v1/sentinel/alerts',
      headers: { 'x-api-key': 'dev-generated-key' },
    });
    expect(ok.statusCode).toBe(200);
    expect((await app.inject({ url: '/api/v1/sentinel/alerts' })).statusCode).toBe(401);
  });

  it('in production keeps /docs behind a credential, and /metrics too when metricsPublic is false', async () => {
    const app = await h.buildServer({ env: { ENVIRONMENT: 'production' }, deps: { metricsPublic: false } });
    expect((await app.inject({ url: '/docs/json' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/docs/json', headers: h.auth })).statusCode).toBe(200);
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics', headers: h.auth })).statusCode).toBe(200);
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
  });

  it('verifies RS256 tokens against a configured public key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const app = await h.buildServer({ env: { JWT_SECRET: '', JWT_PUBLIC_KEY: pem } });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('rs-analyst')
      .setIssuer(JWT_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .setExpirationTime('5m')
      .sign(privateKey);
    const response = await app.inject({
      url: '/api/v1/sentinel/alerts',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(200);
  });
});
