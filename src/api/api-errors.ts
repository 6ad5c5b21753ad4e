/**
 * Errors the API raises on purpose. Each kind is a class with a `static code` (the `error` field of the
 * response body) and an HTTP status; the error handler turns them into `{status:'error', error, message}`
 * bodies. Match them by class or code, never by message text.
 */

export const API_ERROR_CODES = [
  'api_config_invalid',
  'validation_failed',
  'bad_request',
  'unauthorized',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'unavailable',
  'internal_error',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** Base class: an error that maps to one HTTP status and one `error` code. */
export abstract class ApiError extends Error {
  abstract readonly statusCode: number;
  abstract readonly code: ApiErrorCode;
}

/** The server cannot be built as configured (e.g. production without any credential). */
export class ApiConfigError extends ApiError {
  static readonly code = 'api_config_invalid' as const;
  readonly code = ApiConfigError.code;
  readonly statusCode = 500;
  override readonly name = 'ApiConfigError';
}

/** A request that passed the schema but breaks a rule the schema cannot express. */
export class ValidationFailedError extends ApiError {
  static readonly code = 'validation_failed' as const;
  readonly code = ValidationFailedError.code;
  readonly statusCode = 400;
  override readonly name = 'ValidationFailedError';
  /** Where the bad value is, e.g. `body.thresholds.0.window_seconds` or `querystring.cursor`. */
  readonly field: string;

  constructor(field: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.field = field;
  }
}

export class UnauthorizedError extends ApiError {
  static readonly code = 'unauthorized' as const;
  readonly code = UnauthorizedError.code;
  readonly statusCode = 401;
  override readonly name = 'UnauthorizedError';
}

export class NotFoundError extends ApiError {
  static readonly code = 'not_found' as const;
  readonly code = NotFoundError.code;
  readonly statusCode = 404;
  override readonly name = 'NotFoundError';
}

export class ConflictError extends ApiError {
  static readonly code = 'conflict' as const;
  readonly code = ConflictError.code;
  readonly statusCode = 409;
  override readonly name = 'ConflictError';
}

export class PayloadTooLargeError extends ApiError {
  static readonly code = 'payload_too_large' as const;
  readonly code = PayloadTooLargeError.code;
  readonly statusCode = 413;
  override readonly name = 'PayloadTooLargeError';
}

/** A dependency the request needs (the engine, NATS) cannot answer now. */
export class UnavailableError extends ApiError {
  static readonly code = 'unavailable' as const;
  readonly code = UnavailableError.code;
  readonly statusCode = 503;
  override readonly name = 'UnavailableError';
}

/** Over the per-principal request rate; `Retry-After` says when to come back. */
export class RateLimitedError extends ApiError {
  static readonly code = 'rate_limited' as const;
  readonly code = RateLimitedError.code;
  readonly statusCode = 429;
  override readonly name = 'RateLimitedError';
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
