/**
 * The one place loggers are made. JSON in production and when piped; pretty in a terminal. Everything else
 * receives a child logger. Phone numbers are masked before they reach a log line at info (see maskNumber).
 */
import pino, { type Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  format: 'json' | 'pretty';
  name?: string;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = { level: options.level, name: options.name ?? 'sentinel' };
  if (options.format === 'pretty') {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino(base);
}

/** `2348012345678` → `2348*****5678`: enough to recognise, not enough to dial. */
export function maskNumber(digits: string): string {
  if (digits.length <= 6) return '*'.repeat(digits.length);
  const keep = Math.min(4, Math.floor(digits.length / 3));
  return digits.slice(0, keep) + '*'.repeat(digits.length - 2 * keep) + digits.slice(-keep);
}

export type { Logger };
