/**
 * Errors of the Postgres sink. One class per kind with a `static code`; the driver's error (a pg
 * `DatabaseError` with every server field) stays attached as `cause`. Match by class or code, never by text.
 */

/** The writer or buffer was closed while a write or wait was still pending; nothing of it was committed. */
export class SinkClosedError extends Error {
  static readonly code = 'SENTINEL_SINK_CLOSED';
  readonly code = SinkClosedError.code;

  constructor(what: string, options?: ErrorOptions) {
    super(`${what}: the sink is closed; the pending batch was not committed`, options);
    this.name = 'SinkClosedError';
  }
}

/** A schema migration failed; its transaction was rolled back and later versions were not attempted. */
export class MigrationError extends Error {
  static readonly code = 'SENTINEL_MIGRATION_FAILED';
  readonly code = MigrationError.code;

  constructor(
    readonly version: number,
    readonly migrationName: string,
    options?: ErrorOptions,
  ) {
    super(`migration ${version} (${migrationName}) failed and was rolled back`, options);
    this.name = 'MigrationError';
  }
}

/** A write attempt took longer than `attemptTimeoutMs`; the connection was dropped and the attempt retried. */
export class SinkAttemptTimeoutError extends Error {
  static readonly code = 'SENTINEL_SINK_ATTEMPT_TIMEOUT';
  readonly code = SinkAttemptTimeoutError.code;

  constructor(readonly timeoutMs: number) {
    super(`sink write attempt exceeded ${timeoutMs} ms; connection dropped`);
    this.name = 'SinkAttemptTimeoutError';
  }
}
