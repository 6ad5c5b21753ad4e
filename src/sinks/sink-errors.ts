/**
 * Errors of the Postgres sink. The driver's error (a pg `DatabaseError` with every server field) stays attached
 * as `cause`.
 */
import { SentinelError } from '../shared/index.js';

/** The writer or buffer was closed while a write or wait was still pending; nothing of it was committed. */
export class SinkClosedError extends SentinelError {
  static override readonly code = 'SENTINEL_SINK_CLOSED';

  constructor(what: string, options?: ErrorOptions) {
    super(`${what}: the sink is closed; the pending batch was not committed`, options);
  }
}

/** A schema migration failed; its transaction was rolled back and later versions were not attempted. */
export class MigrationError extends SentinelError {
  static override readonly code = 'SENTINEL_MIGRATION_FAILED';

  constructor(
    readonly version: number,
    readonly migrationName: string,
    options?: ErrorOptions,
  ) {
    super(`migration ${version} (${migrationName}) failed and was rolled back`, options);
  }
}

/** A write attempt took longer than `attemptTimeoutMs`; the connection was dropped and the attempt retried. */
export class SinkAttemptTimeoutError extends SentinelError {
  static override readonly code = 'SENTINEL_SINK_ATTEMPT_TIMEOUT';

  constructor(readonly timeoutMs: number) {
    super(`sink write attempt exceeded ${timeoutMs} ms; connection dropped`);
  }
}
