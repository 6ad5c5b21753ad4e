/**
 * Flag parsing shared by the load-test CLIs: `node:util` parseArgs plus value checks whose messages name the
 * flag and the accepted range. A bad flag is a `CliUsageError` (exit code 2), never a stack trace.
 */
import { parseDurationMs } from '../../src/config/index.js';
import { UsageError } from '../../src/shared/index.js';

/** A bad flag: the load-test CLIs print the message and exit with code 2. */
export class CliUsageError extends UsageError {}

/** An integer flag in `min..max` (underscores allowed: `1_000_000`), or `fallback` when absent. */
export function intFlag(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new CliUsageError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** A number flag in `min..max`, or `fallback` when absent. */
export function numberFlag(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new CliUsageError(`--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** A duration flag such as `250ms`, `30s`, `10m`, `2h` (a bare number is milliseconds). */
export function durationFlag(name: string, raw: string | undefined, fallbackMs: number): number {
  if (raw === undefined) return fallbackMs;
  try {
    return parseDurationMs(`--${name}`, raw);
  } catch (error) {
    throw new CliUsageError(
      `--${name} must be a duration such as 30s, 10m or 2h, got ${JSON.stringify(raw)}`,
      {
        cause: error,
      },
    );
  }
}

/** A start instant: ISO-8601 with a zone, or epoch milliseconds. */
export function instantFlag(name: string, raw: string | undefined, fallbackMs: number): number {
  if (raw === undefined) return fallbackMs;
  const value = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isSafeInteger(value) || value < 0 || !/^\d+$|[zZ]|[+-]\d\d:?\d\d$/.test(raw)) {
    throw new CliUsageError(
      `--${name} must be ISO-8601 with a zone (e.g. 2025-01-06T00:00:00Z) or epoch ms, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** One of `choices`, or `fallback` when absent. */
export function choiceFlag<T extends string>(
  name: string,
  raw: string | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (raw === undefined) return fallback;
  const found = choices.find((choice) => choice === raw);
  if (found === undefined)
    throw new CliUsageError(`--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`);
  return found;
}
