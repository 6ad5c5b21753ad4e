/**
 * Errors the stream module throws. Match them by class or `code`, never by message text. Invalid CDRs are not
 * errors: they are `DecodeResult`s with a reason code.
 */

export const STREAM_ERROR_CODES = [
  'SENTINEL_PUBLISH_FAILED',
  'SENTINEL_PUBLISHER_CLOSED',
  'SENTINEL_STREAM_SETUP_FAILED',
  'SENTINEL_INVALID_TIME_ZONE',
  'SENTINEL_PUBLISH_USAGE',
] as const;
export type StreamErrorCode = (typeof STREAM_ERROR_CODES)[number];

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
export class PublishFailedError extends Error {
  static readonly code = 'SENTINEL_PUBLISH_FAILED' satisfies StreamErrorCode;
  readonly code = PublishFailedError.code;

  constructor(
    readonly failedCount: number,
    readonly failures: readonly PublishFailure[],
  ) {
    const first = failures[0];
    super(
      `${failedCount} message(s) were not stored by JetStream` +
        (first === undefined ? '' : `; first: ${first.subject} ${first.msgId ?? ''} (${first.description})`),
    );
    this.name = 'PublishFailedError';
  }
}

/** `publish()` after `close()`, or on a closed connection. */
export class PublisherClosedError extends Error {
  static readonly code = 'SENTINEL_PUBLISHER_CLOSED' satisfies StreamErrorCode;
  readonly code = PublisherClosedError.code;

  constructor(options?: ErrorOptions) {
    super('the publisher is closed', options);
    this.name = 'PublisherClosedError';
  }
}

/** A stream or consumer could not be created or updated. Keeps the JetStream API error as `cause`. */
export class StreamSetupError extends Error {
  static readonly code = 'SENTINEL_STREAM_SETUP_FAILED' satisfies StreamErrorCode;
  readonly code = StreamSetupError.code;

  constructor(
    readonly resource: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${resource}: ${message}`, options);
    this.name = 'StreamSetupError';
  }
}

/** A time zone name that `Intl` does not know. */
export class InvalidTimeZoneError extends RangeError {
  static readonly code = 'SENTINEL_INVALID_TIME_ZONE' satisfies StreamErrorCode;
  readonly code = InvalidTimeZoneError.code;

  constructor(
    readonly timeZone: string,
    options?: ErrorOptions,
  ) {
    super(`unknown IANA time zone ${JSON.stringify(timeZone)}`, options);
    this.name = 'InvalidTimeZoneError';
  }
}

/** Bad arguments to `sentinel publish`. */
export class PublishUsageError extends Error {
  static readonly code = 'SENTINEL_PUBLISH_USAGE' satisfies StreamErrorCode;
  readonly code = PublishUsageError.code;

  constructor(message: string) {
    super(message);
    this.name = 'PublishUsageError';
  }
}
