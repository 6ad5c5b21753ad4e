/**
 * Errors of the window engine. Bad CDR data is never an error here (it is an `'invalid'` outcome); these are
 * for programming and deployment mistakes: options or rule settings that cannot work, a snapshot that cannot be
 * read, a caller that outgrows the engine's addressing limits.
 */
import { SentinelError } from '../shared/index.js';

/** `WindowEngineOptions` that cannot work; `option` names the field, e.g. `windowsMs[1]`. */
export class WindowOptionsError extends SentinelError {
  static override readonly code = 'SENTINEL_WINDOW_OPTIONS_INVALID';

  constructor(
    readonly option: string,
    readonly accepted: string,
  ) {
    super(`options.${option} must be ${accepted}`);
  }
}

/** `RuleSettings` that cannot work; `setting` names the field, e.g. `sdhf[0].windowMs`. */
export class RuleSettingsError extends SentinelError {
  static override readonly code = 'SENTINEL_RULE_SETTINGS_INVALID';

  constructor(
    readonly setting: string,
    readonly accepted: string,
  ) {
    super(`settings.${setting} must be ${accepted}`);
  }
}

/** A snapshot that is truncated, from another format version, or was made for other rules. */
export class SnapshotError extends SentinelError {
  static override readonly code = 'SENTINEL_SNAPSHOT_INVALID';
}

/** One caller holds more events (or distinct callees) in the longest window than a slab block can address. */
export class WindowCapacityError extends SentinelError {
  static override readonly code = 'SENTINEL_WINDOW_CAPACITY';

  constructor(
    readonly what: string,
    readonly requestedUnits: number,
    readonly maxUnits: number,
  ) {
    super(`${what} needs ${requestedUnits} slab units; one block holds at most ${maxUnits}`);
  }
}
