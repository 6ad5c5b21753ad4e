/**
 * Per-source visibility settings (docs/config.md, docs/metrics.md): how many switches get their own `source`
 * label, and when a switch's rejected records degrade detailed health.
 */
import { ConfigError } from './config-error.js';
import { parseDurationMs, parseInteger } from './env-parsers.js';

export interface SourceHealthConfig {
  /**
   * Distinct sources (the CDR's `switch`) with their own metric label per process; later ones count as
   * `other`. Bounds Prometheus series and engine memory against a garbage `switch` field. @default 100
   */
  maxLabels: number;
  /** Rejected share (0–1) above which a source degrades `/health/detailed`. @default 0.05 */
  rejectedShareMax: number;
  /** Records a source must have sent in the window before its share counts. @default 100 */
  minRecords: number;
  /** The recent interval the share, late count and skew cover. @default 10 min */
  windowMs: number;
}

/** `5%`, `0.05` or `.05`: a share above 0 and at most 1. */
export function parseShare(key: string, raw: string): number {
  const text = raw.trim();
  const percent = text.endsWith('%');
  const number = Number(percent ? text.slice(0, -1).trim() : text);
  const value = percent ? number / 100 : number;
  if (text === '' || text === '%' || !Number.isFinite(value) || value <= 0 || value > 1)
    throw new ConfigError(
      key,
      raw,
      'a share above 0 and at most 1, as a fraction (0.05) or a percentage (5%)',
    );
  return value;
}

export function loadSourceConfig(read: (key: string) => string | undefined): SourceHealthConfig {
  const opt = <T>(key: string, parse: (raw: string) => T, fallback: T): T => {
    const raw = read(key);
    return raw === undefined ? fallback : parse(raw);
  };
  const windowMs = opt(
    'SOURCE_HEALTH_WINDOW',
    (raw) => parseDurationMs('SOURCE_HEALTH_WINDOW', raw),
    600_000,
  );
  if (windowMs < 60_000 || windowMs > 86_400_000)
    throw new ConfigError(
      'SOURCE_HEALTH_WINDOW',
      String(read('SOURCE_HEALTH_WINDOW')),
      'a duration from 1m to 24h',
    );
  return {
    maxLabels: opt('SOURCE_LABELS_MAX', (raw) => parseInteger('SOURCE_LABELS_MAX', raw, 1, 10_000), 100),
    rejectedShareMax: opt(
      'SOURCE_REJECTED_SHARE_MAX',
      (raw) => parseShare('SOURCE_REJECTED_SHARE_MAX', raw),
      0.05,
    ),
    minRecords: opt(
      'SOURCE_REJECTED_MIN_RECORDS',
      (raw) => parseInteger('SOURCE_REJECTED_MIN_RECORDS', raw, 1, 100_000_000),
      100,
    ),
    windowMs,
  };
}
