import { SentinelError } from '../shared/index.js';

/** A configuration value that cannot be used. `key` is the environment variable, `accepted` what would be. */
export class ConfigError extends SentinelError {
  static override readonly code = 'SENTINEL_CONFIG_INVALID';

  constructor(
    readonly key: string,
    readonly value: string,
    readonly accepted: string,
  ) {
    super(`${key}=${JSON.stringify(value)} is not valid: expected ${accepted}`);
  }
}
