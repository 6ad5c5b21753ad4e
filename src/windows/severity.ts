/**
 * SDHF severity, the seed's documented table (docs/design.md §4). Its code never produced LOW; this one does:
 * anything that meets the rule's thresholds but none of the rows below is LOW.
 */
import { SEVERITIES, type Severity } from './alert-types.js';

export const SEVERITY_LOW = 0;
export const SEVERITY_MEDIUM = 1;
export const SEVERITY_HIGH = 2;
export const SEVERITY_CRITICAL = 3;

/** Rows are tried top-down; `all` means both bounds must hold, `any` means either. */
export const SDHF_SEVERITY_TABLE = [
  { severity: 'CRITICAL', minDistinct: 200, maxAvgSeconds: 1.5, match: 'all' },
  { severity: 'HIGH', minDistinct: 100, maxAvgSeconds: 2.0, match: 'all' },
  { severity: 'MEDIUM', minDistinct: 75, maxAvgSeconds: 1.0, match: 'any' },
] as const;

/** Index into `SEVERITIES` for a window that meets the SDHF thresholds. Bounds are inclusive. */
export function sdhfSeverity(distinctCallees: number, avgDurationSeconds: number): number {
  if (distinctCallees >= 200 && avgDurationSeconds <= 1.5) return SEVERITY_CRITICAL;
  if (distinctCallees >= 100 && avgDurationSeconds <= 2.0) return SEVERITY_HIGH;
  if (distinctCallees >= 75 || avgDurationSeconds <= 1.0) return SEVERITY_MEDIUM;
  return SEVERITY_LOW;
}

export function severityName(index: number): Severity {
  const name = SEVERITIES[index];
  if (name === undefined) throw new RangeError(`no severity with index ${index}`);
  return name;
}
