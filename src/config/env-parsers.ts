/**
 * Parsers for environment variables. Each returns a value or throws a ConfigError that names the key,
 * the value it got and what it accepts, so an operator can fix a deployment from the message alone.
 */
import { ConfigError } from './config-error.js';

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `250ms`, `30s`, `10m`, `24h`, `7d` or a bare number of milliseconds. */
export function parseDurationMs(key: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!match) {
    throw new ConfigError(key, raw, 'a duration such as 250ms, 30s, 10m, 24h or 7d');
  }
  const value = Number(match[1]) * DURATION_UNITS_MS[match[2] ?? 'ms']!;
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError(key, raw, 'a positive duration');
  }
  return Math.round(value);
}

export function parseDurationList(key: string, raw: string): number[] {
  const parts = raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length === 0)
    throw new ConfigError(key, raw, 'a comma-separated list of durations, e.g. 10m,1h,24h');
  const values = parts.map((part) => parseDurationMs(key, part));
  if (new Set(values).size !== values.length) throw new ConfigError(key, raw, 'distinct durations');
  return values.sort((a, b) => a - b);
}

export function parseInteger(key: string, raw: string, min: number, max: number): number {
  const trimmed = raw.trim().replaceAll('_', '');
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(key, raw, `an integer from ${min} to ${max}`);
  }
  return value;
}

export function parseNumber(key: string, raw: string, min: number, max: number): number {
  const value = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(key, raw, `a number from ${min} to ${max}`);
  }
  return value;
}

export function parseBoolean(key: string, raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(key, raw, 'true or false (also 1/0, yes/no, on/off)');
}

export function parseEnum<T extends string>(key: string, raw: string, accepted: readonly T[]): T {
  const value = raw.trim().toLowerCase();
  const found = accepted.find((candidate) => candidate === value);
  if (found === undefined) throw new ConfigError(key, raw, `one of ${accepted.join(', ')}`);
  return found;
}

export function parseUrl(key: string, raw: string, protocols: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(key, '<redacted>', `a URL with scheme ${protocols.join(' or ')}`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(key, url.protocol, `a URL with scheme ${protocols.join(' or ')}`);
  }
  return raw.trim();
}

export function parseList(raw: string): string[] {
  return raw
    .split(/[,\s]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
