/**
 * Turns the credentials on a request into a Principal. Two kinds are accepted: `X-API-Key: <key>` (checked
 * against configured SHA-256 hashes) and `Authorization: Bearer <token>` (a JWT, or an API key for clients
 * that can only send bearer tokens). Building it fails when nothing could ever authenticate, and in production
 * when only the generated development key is available.
 */
import type { Config } from '../../config/index.js';
import { ApiConfigError, UnauthorizedError } from '../api-errors.js';
import { ApiKeyVerifier } from './api-key-verifier.js';
import { JwtVerifier } from './jwt-verifier.js';
import type { Principal } from './principal.js';

/** What a request presented; any subset may be absent. */
export interface PresentedCredentials {
  apiKey?: string | undefined;
  bearer?: string | undefined;
  /** `?access_token=` on the live feed, for browsers that cannot set headers on a WebSocket. */
  queryToken?: string | undefined;
}

export interface AuthenticatorOptions {
  auth: Config['auth'];
  environment: Config['environment'];
  /** Accepted only outside production, and only when no other credential is configured. */
  devApiKey?: string | undefined;
}

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

export class Authenticator {
  private constructor(
    private readonly keys: ApiKeyVerifier,
    private readonly jwt: JwtVerifier | undefined,
  ) {}

  static create(options: AuthenticatorOptions): Authenticator {
    const { auth, environment } = options;
    const jwt = JwtVerifier.create({
      secret: auth.jwtSecret,
      publicKeyPem: auth.jwtPublicKey,
      issuer: auth.jwtIssuer,
      audience: auth.jwtAudience,
      defaultRole: auth.defaultRole,
    });
    const configured = auth.apiKeyHashes.length > 0 || jwt !== undefined;
    if (!configured && environment === 'production') {
      throw new ApiConfigError(
        'No API credential is configured: set API_KEYS (or API_KEYS_FILE), JWT_SECRET or JWT_PUBLIC_KEY. ' +
          'Production never falls back to a generated development key.',
      );
    }
    const devKey = configured ? undefined : options.devApiKey;
    if (!configured && devKey === undefined) {
      throw new ApiConfigError(
        'No API credential is configured and no development key was supplied: nothing could authenticate.',
      );
    }
    return new Authenticator(new ApiKeyVerifier(auth.apiKeyHashes, auth.defaultRole, devKey), jwt);
  }

  /** Resolves the principal or throws UnauthorizedError saying what was wrong (never echoing the secret). */
  async authenticate(credentials: PresentedCredentials): Promise<Principal> {
    const { apiKey, bearer, queryToken } = credentials;
    if (apiKey !== undefined) return this.byKey(apiKey);
    const token = bearer ?? queryToken;
    if (token === undefined) {
      throw new UnauthorizedError(
        'missing credential: send X-API-Key: <key> or Authorization: Bearer <token>',
      );
    }
    if (this.jwt !== undefined && JWT_SHAPE.test(token)) return await this.jwt.verify(token);
    return this.byKey(token);
  }

  private byKey(key: string): Principal {
    const principal = key === '' ? undefined : this.keys.verify(key);
    if (principal === undefined) throw new UnauthorizedError('invalid API key');
    return principal;
  }
}
