export { compiledSibling } from './compiled-path.js';
export { createLogger, maskNumber } from './logger.js';
export type { Logger, LoggerOptions } from './logger.js';
