/**
 * Errors the API raises on purpose. Each kind has its code in the one closed list (`ERROR_CODES`), an HTTP
 * status, and the value the response body's `error` field carries (the seed's lower-case words, a contract);
 * the error handler turns them into `{status:'error', error, message}` bodies.
 */
import { SentinelError } from '../shared/index.js';
import type { Role } from './auth/roles.js';

/** Values of the response body's `error` field. */
export type ApiBodyError =
  | 'api_config_invalid'
  | 'validation_failed'
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'internal_error';

/** Base class: an error that maps to one HTTP status and one body `error` value. */
export abstract class ApiError extends SentinelError {
  abstract readonly statusCode: number;
  abstract readonly bodyError: ApiBodyError;
}

/** The server cannot be built as configured (e.g. production without any credential). */
export class ApiConfigError extends ApiError {
  static override readonly code = 'SENTINEL_API_CONFIG_INVALID';
  readonly statusCode = 500;
  readonly bodyError = 'api_config_invalid';
}

/** A request that passed the schema but breaks a rule the schema cannot express. */
export class ValidationFailedError extends ApiError {
  static override readonly code = 'SENTINEL_API_VALIDATION_FAILED';
  readonly statusCode = 400;
  readonly bodyError = 'validation_failed';

  constructor(
    /** Where the bad value is, e.g. `body.thresholds.0.window_seconds` or `querystring.cursor`. */
    readonly field: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class UnauthorizedError extends ApiError {
  static override readonly code = 'SENTINEL_API_UNAUTHORIZED';
  readonly statusCode = 401;
  readonly bodyError = 'unauthorized';
}

/** Authenticated, but the principal's role is below the one the route needs. */
export class ForbiddenError extends ApiError {
  static override readonly code = 'SENTINEL_API_FORBIDDEN';
  readonly statusCode = 403;
  readonly bodyError = 'forbidden';

  constructor(
    readonly requiredRole: Role,
    readonly role: Role,
    action: string,
  ) {
    super(`${action} needs role ${requiredRole} or above; this credential has role ${role}`);
  }
}

export class NotFoundError extends ApiError {
  static override readonly code = 'SENTINEL_API_NOT_FOUND';
  readonly statusCode = 404;
  readonly bodyError = 'not_found';
}

export class ConflictError extends ApiError {
  static override readonly code = 'SENTINEL_API_CONFLICT';
  readonly statusCode = 409;
  readonly bodyError = 'conflict';
}

/** A dependency the request needs (the engine, NATS) cannot answer now. */
export class UnavailableError extends ApiError {
  static override readonly code = 'SENTINEL_API_UNAVAILABLE';
  readonly statusCode = 503;
  readonly bodyError = 'unavailable';
}

/** Over the per-principal request rate; `Retry-After` says when to come back. */
export class RateLimitedError extends ApiError {
  static override readonly code = 'SENTINEL_API_RATE_LIMITED';
  readonly statusCode = 429;
  readonly bodyError = 'rate_limited';

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
