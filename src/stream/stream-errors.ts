/**
 * Errors of the NATS transport. Invalid CDRs are not errors: they are `DecodeResult`s with a reason code.
 */
import { SentinelError } from '../shared/index.js';

/** One message that could not be stored: the server refused it, or it was never acknowledged. */
export interface PublishFailure {
  subject: string;
  msgId: string | undefined;
  /** JetStream API error code (e.g. 10077) or HTTP-like status (503); undefined for a timeout. */
  errorCode: number | undefined;
  description: string;
  attempts: number;
}

/** Some published messages were not stored. `failures` lists the first of them (capped), `failedCount` all. */
export class PublishFailedError extends SentinelError {
  static override readonly code = 'SENTINEL_PUBLISH_FAILED';

  constructor(
    readonly failedCount: number,
    readonly failures: readonly PublishFailure[],
  ) {
    const first = failures[0];
    super(
      `${failedCount} message(s) were not stored by JetStream` +
        (first === undefined ? '' : `; first: ${first.subject} ${first.msgId ?? ''} (${first.description})`),
    );
  }
}

/** `publish()` after `close()`, or on a closed connection. */
export class PublisherClosedError extends SentinelError {
  static override readonly code = 'SENTINEL_PUBLISHER_CLOSED';

  constructor(options?: ErrorOptions) {
    super('the publisher is closed', options);
  }
}

/** A stream or consumer could not be created or updated. Keeps the JetStream API error as `cause`. */
export class StreamSetupError extends SentinelError {
  static override readonly code = 'SENTINEL_STREAM_SETUP_FAILED';

  constructor(
    readonly resource: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${resource}: ${message}`, options);
  }
}
