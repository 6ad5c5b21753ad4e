export { loadConfig, loadProcessConfig, CONFIG_KEYS, LOG_LEVELS } from './config.js';
export type { Config, LogLevel, SdhfThresholds } from './config.js';
export { ConfigError } from './config-error.js';
export { parseDurationMs } from './env-parsers.js';
