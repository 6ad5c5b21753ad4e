/**
 * SDHF severity, the seed's documented table (docs/design.md §4), rows tried top-down, bounds inclusive:
 *
 *   CRITICAL  ≥ 200 distinct callees and average duration ≤ 1.5 s
 *   HIGH      ≥ 100 distinct callees and average duration ≤ 2.0 s
 *   MEDIUM    ≥ 75 distinct callees  or  average duration ≤ 1.0 s
 *   LOW       anything else that meets the rule's thresholds (the seed's code never produced LOW; this does)
 *
 * This file is the table's only implementation: the engine's rule uses the index form, the API's on-demand
 * detection over stored calls the name.
 */
import { SEVERITIES, type Severity } from './alert-types.js';

export const SEVERITY_LOW = 0;
export const SEVERITY_MEDIUM = 1;
export const SEVERITY_HIGH = 2;
export const SEVERITY_CRITICAL = 3;

/** Index into `SEVERITIES` for a window that meets the SDHF thresholds. Called on the engine's hot path. */
export function sdhfSeverityIndex(distinctCallees: number, avgDurationSeconds: number): number {
  if (distinctCallees >= 200 && avgDurationSeconds <= 1.5) return SEVERITY_CRITICAL;
  if (distinctCallees >= 100 && avgDurationSeconds <= 2.0) return SEVERITY_HIGH;
  if (distinctCallees >= 75 || avgDurationSeconds <= 1.0) return SEVERITY_MEDIUM;
  return SEVERITY_LOW;
}

/** Severity of a window that meets the SDHF thresholds, by name. */
export function sdhfSeverity(distinctCallees: number, avgDurationSeconds: number): Severity {
  return severityName(sdhfSeverityIndex(distinctCallees, avgDurationSeconds));
}

export function severityName(index: number): Severity {
  const name = SEVERITIES[index];
  if (name === undefined) throw new RangeError(`no severity with index ${index}`);
  return name;
}
