import { SentinelError } from '../shared/index.js';

/** A time zone name that `Intl` does not know. */
export class InvalidTimeZoneError extends SentinelError {
  static override readonly code = 'SENTINEL_INVALID_TIME_ZONE';

  constructor(
    readonly timeZone: string,
    options?: ErrorOptions,
  ) {
    super(`unknown IANA time zone ${JSON.stringify(timeZone)}`, options);
  }
}
