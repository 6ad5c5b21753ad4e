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

/**
 * A mapping file (the `mapping` input profile) that cannot be used. `key` is the dotted key inside the file
 * that is wrong (`fields.start.format`), or `(file)` when the file itself cannot be read as JSON or YAML.
 */
export class MappingFileError extends SentinelError {
  static override readonly code = 'SENTINEL_MAPPING_INVALID';

  constructor(
    readonly source: string,
    readonly key: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`mapping file ${source}: ${key}: ${problem}`, options);
  }
}

/** An input profile name the registry does not know, or one that is not available in this build. */
export class UnknownProfileError extends SentinelError {
  static override readonly code = 'SENTINEL_PROFILE_UNKNOWN';

  constructor(
    readonly profile: string,
    message: string,
  ) {
    super(message);
  }
}
