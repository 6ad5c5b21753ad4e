/**
 * Errors of the window engine. Bad CDR data is never an error here (it is an `'invalid'` outcome); these are
 * for programming and deployment mistakes: options or rule settings that cannot work, a snapshot that cannot be
 * read, a caller that outgrows the engine's addressing limits.
 */

export const WINDOW_ERROR_CODES = [
  'SENTINEL_WINDOW_OPTIONS_INVALID',
  'SENTINEL_RULE_SETTINGS_INVALID',
  'SENTINEL_SNAPSHOT_INVALID',
  'SENTINEL_WINDOW_CAPACITY',
] as const;
export type WindowErrorCode = (typeof WINDOW_ERROR_CODES)[number];

/** `WindowEngineOptions` that cannot work; `option` names the field, e.g. `windowsMs[1]`. */
export class WindowOptionsError extends Error {
  static readonly code = 'SENTINEL_WINDOW_OPTIONS_INVALID';
  readonly code = WindowOptionsError.code;

  constructor(
    readonly option: string,
    readonly accepted: string,
  ) {
    super(`options.${option} must be ${accepted}`);
    this.name = 'WindowOptionsError';
  }
}

/** `RuleSettings` that cannot work; `setting` names the field, e.g. `sdhf[0].windowMs`. */
export class RuleSettingsError extends Error {
  static readonly code = 'SENTINEL_RULE_SETTINGS_INVALID';
  readonly code = RuleSettingsError.code;

  constructor(
    readonly setting: string,
    readonly accepted: string,
  ) {
    super(`settings.${setting} must be ${accepted}`);
    this.name = 'RuleSettingsError';
  }
}

/** A snapshot that is truncated, from another format version, or was made for other rules. */
export class SnapshotError extends Error {
  static readonly code = 'SENTINEL_SNAPSHOT_INVALID';
  readonly code = SnapshotError.code;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SnapshotError';
  }
}

/** One caller holds more events (or distinct callees) in the longest window than a slab block can address. */
export class WindowCapacityError extends Error {
  static readonly code = 'SENTINEL_WINDOW_CAPACITY';
  readonly code = WindowCapacityError.code;

  constructor(
    readonly what: string,
    readonly requestedUnits: number,
    readonly maxUnits: number,
  ) {
    super(`${what} needs ${requestedUnits} slab units; one block holds at most ${maxUnits}`);
    this.name = 'WindowCapacityError';
  }
}
