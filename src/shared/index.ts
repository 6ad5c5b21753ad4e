export { compiledSibling } from './compiled-path.js';
export { createLogger, maskNumber } from './logger.js';
export type { Logger, LoggerOptions } from './logger.js';
export { ERROR_CODES, SentinelError, UsageError } from './errors.js';
export type { ErrorCode } from './errors.js';
