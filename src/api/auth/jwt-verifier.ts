/**
 * Bearer JWTs signed with HS256 (shared secret) and/or RS256 (public key PEM). Only the configured algorithms
 * are accepted, so a token cannot choose a weaker one (`none`, or HS256 keyed with the RSA public key).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ApiConfigError, UnauthorizedError } from '../api-errors.js';
import type { Principal } from './principal.js';
import { isRole, ROLES, type Role } from './roles.js';

export interface JwtVerifierOptions {
  /** HS256 shared secret. */
  secret?: string | undefined;
  /** RS256 public key, PEM (SPKI `BEGIN PUBLIC KEY`, or an X.509 certificate). */
  publicKeyPem?: string | undefined;
  /** Required `iss` when set. */
  issuer?: string | undefined;
  /** Required `aud` when set. */
  audience?: string | undefined;
  /** Allowed clock difference for `exp`/`nbf`. @default 30 (seconds) */
  clockToleranceSeconds?: number;
  /** Role of a token without a `role` claim. @default viewer */
  defaultRole?: Role;
}

export class JwtVerifier {
  private constructor(
    private readonly getKey: JWTVerifyGetKey,
    private readonly algorithms: string[],
    private readonly options: JwtVerifierOptions,
  ) {}

  /** Undefined when neither a secret nor a public key is configured. */
  static create(options: JwtVerifierOptions): JwtVerifier | undefined {
    const algorithms: string[] = [];
    let secretKey: Uint8Array | undefined;
    let rsaKey: KeyObject | undefined;
    if (options.secret !== undefined) {
      if (Buffer.byteLength(options.secret) < 32) {
        throw new ApiConfigError('JWT_SECRET must be at least 32 bytes for HS256');
      }
      secretKey = new TextEncoder().encode(options.secret);
      algorithms.push('HS256');
    }
    if (options.publicKeyPem !== undefined) {
      try {
        rsaKey = createPublicKey(options.publicKeyPem);
      } catch (error) {
        throw new ApiConfigError('JWT_PUBLIC_KEY is not a PEM public key or certificate', { cause: error });
      }
      if (rsaKey.asymmetricKeyType !== 'rsa') {
        throw new ApiConfigError(
          `JWT_PUBLIC_KEY must be an RSA key for RS256, got ${rsaKey.asymmetricKeyType}`,
        );
      }
      algorithms.push('RS256');
    }
    if (algorithms.length === 0) return undefined;
    const getKey: JWTVerifyGetKey = (header) => {
      if (header.alg === 'HS256' && secretKey !== undefined) return secretKey;
      if (header.alg === 'RS256' && rsaKey !== undefined) return rsaKey;
      throw new UnauthorizedError(`token algorithm ${String(header.alg)} is not accepted`);
    };
    return new JwtVerifier(getKey, algorithms, options);
  }

  /** The token's principal (`sub`, and `role` when the token carries one); throws UnauthorizedError with a reason otherwise. */
  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.getKey, {
        algorithms: this.algorithms,
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
        ...(this.options.issuer === undefined ? {} : { issuer: this.options.issuer }),
        ...(this.options.audience === undefined ? {} : { audience: this.options.audience }),
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') {
        throw new UnauthorizedError('token has no sub claim');
      }
      const claimed = payload.role;
      if (claimed !== undefined && !isRole(claimed)) {
        throw new UnauthorizedError(`token claim role is not accepted: use one of ${ROLES.join(', ')}`);
      }
      return {
        name: payload.sub.slice(0, 128),
        method: 'jwt',
        role: claimed ?? this.options.defaultRole ?? 'viewer',
      };
    } catch (error) {
      if (error instanceof UnauthorizedError) throw error;
      if (error instanceof joseErrors.JWTExpired)
        throw new UnauthorizedError('token expired', { cause: error });
      if (error instanceof joseErrors.JWTClaimValidationFailed) {
        throw new UnauthorizedError(`token claim ${error.claim} is not accepted`, { cause: error });
      }
      throw new UnauthorizedError('token is not valid', { cause: error });
    }
  }
}
