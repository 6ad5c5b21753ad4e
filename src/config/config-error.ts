/** A configuration value that cannot be used. `key` is the environment variable, `accepted` what would be. */
export class ConfigError extends Error {
  static readonly code = 'SENTINEL_CONFIG_INVALID';
  readonly code = ConfigError.code;

  constructor(
    readonly key: string,
    readonly value: string,
    readonly accepted: string,
  ) {
    super(`${key}=${JSON.stringify(value)} is not valid: expected ${accepted}`);
    this.name = 'ConfigError';
  }
}
