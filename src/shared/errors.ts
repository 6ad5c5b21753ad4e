/**
 * The one error base class and the one closed list of error codes. Every error Sentinel raises on purpose is a
 * `SentinelError` subclass with a `static code` from `ERROR_CODES`; extra fields are plain enumerable
 * properties, so pino prints them, and the underlying error (a pg `DatabaseError`, a JetStream API error) stays
 * attached as `cause`. Match errors by class (`instanceof`) or by `code`, never by message text.
 *
 * Invalid data is not an error: a CDR that fails validation is a result with a reason code (`CDR_REASONS`).
 */

export const ERROR_CODES = [
  // configuration and command line
  'SENTINEL_CONFIG_INVALID',
  'SENTINEL_USAGE',
  // window engine
  'SENTINEL_WINDOW_OPTIONS_INVALID',
  'SENTINEL_RULE_SETTINGS_INVALID',
  'SENTINEL_SNAPSHOT_INVALID',
  'SENTINEL_WINDOW_CAPACITY',
  // codec and NATS transport
  'SENTINEL_INVALID_TIME_ZONE',
  'SENTINEL_MAPPING_INVALID',
  'SENTINEL_PROFILE_UNKNOWN',
  'SENTINEL_PUBLISH_FAILED',
  'SENTINEL_PUBLISHER_CLOSED',
  'SENTINEL_STREAM_SETUP_FAILED',
  // Postgres sink
  'SENTINEL_SINK_CLOSED',
  'SENTINEL_SINK_ATTEMPT_TIMEOUT',
  'SENTINEL_MIGRATION_FAILED',
  // engine and local servers
  'SENTINEL_CHECKPOINT_INVALID',
  'SENTINEL_NATS_SERVER_MISSING',
  // synthetic traffic
  'SENTINEL_TRAFFIC_OPTIONS_INVALID',
  // HTTP API (each also carries the response body's `error` value)
  'SENTINEL_API_CONFIG_INVALID',
  'SENTINEL_API_VALIDATION_FAILED',
  'SENTINEL_API_UNAUTHORIZED',
  'SENTINEL_API_FORBIDDEN',
  'SENTINEL_API_NOT_FOUND',
  'SENTINEL_API_CONFLICT',
  'SENTINEL_API_RATE_LIMITED',
  'SENTINEL_API_UNAVAILABLE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Base of every Sentinel error. Subclasses declare `static override readonly code`; the instance's `code` and
 * `name` come from the concrete class, so a subclass needs no constructor boilerplate beyond its own fields.
 */
export abstract class SentinelError extends Error {
  static readonly code: ErrorCode;
  readonly code: ErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    const kind = new.target as unknown as { code: ErrorCode; name: string };
    this.code = kind.code;
    this.name = kind.name;
  }
}

/** Bad arguments to a `sentinel` command (or a load-test CLI): exit code 2 and the message, no stack trace. */
export class UsageError extends SentinelError {
  static override readonly code = 'SENTINEL_USAGE';
}
