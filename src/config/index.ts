export { loadConfig, loadProcessConfig } from './config.js';
export { CONFIG_KEYS } from './config-keys.js';
export { LOG_LEVELS } from './config-types.js';
export type { ApiKeyEntry, Config, LogLevel, SdhfThresholds } from './config-types.js';
export { ConfigError } from './config-error.js';
export type { FeedConfig, FeedProfileConfig } from './feed-config.js';
export { parseDurationMs } from './env-parsers.js';
export type { SourceHealthConfig } from './source-config.js';
