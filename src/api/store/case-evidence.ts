/**
 * Case evidence as the API shows it. The engine stores it in camelCase JSON, frozen at each event
 * (`{ windows, calleeSample, thresholds }`, see CaseEvent); the API answers in the snake_case of every other
 * field, with times as ISO-8601, and groups the callee sample by prefix so a number range stands out.
 */
import type { CaseThresholdMessage, CaseWindowMessage } from '../../stream/index.js';
import { SEVERITIES, type Severity } from '../../windows/index.js';

/** One window's figures: the same shape as in the case event messages on NATS. */
export type WindowEvidenceRecord = CaseWindowMessage;
export type ThresholdRecord = CaseThresholdMessage;

export interface EvidenceRecord {
  windows: WindowEvidenceRecord[];
  callee_sample: string[];
  /** The sample's callees grouped by their first CALLEE_PREFIX_DIGITS digits, most frequent first. */
  callee_prefixes: { prefix: string; count: number }[];
  thresholds: ThresholdRecord[];
}

/** Digits of a callee prefix in `callee_prefixes`: country code plus operator block for most plans. */
export const CALLEE_PREFIX_DIGITS = 6;

function objects(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value)
    ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
    : [];
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function isoFromMs(value: unknown): string | null {
  return typeof value === 'number' && Number.isFinite(value) ? new Date(value).toISOString() : null;
}

function prefixes(sample: readonly string[]): { prefix: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const callee of sample) {
    const prefix = callee.slice(0, CALLEE_PREFIX_DIGITS);
    counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
  }
  return [...counts]
    .map(([prefix, count]) => ({ prefix, count }))
    .sort((a, b) => b.count - a.count || a.prefix.localeCompare(b.prefix));
}

export function windowEvidence(value: unknown): WindowEvidenceRecord[] {
  return objects(value).map((window) => ({
    window_seconds: Math.round(num(window.windowMs) / 1_000),
    call_count: num(window.callCount),
    unique_destinations: num(window.distinctCallees),
    total_duration_seconds: num(window.totalDurationSeconds),
    avg_duration_seconds: num(window.avgDurationSeconds),
    first_event_at: isoFromMs(window.firstEventAtMs),
    last_event_at: isoFromMs(window.lastEventAtMs),
    severity: (SEVERITIES as readonly unknown[]).includes(window.severity)
      ? (window.severity as Severity)
      : null,
  }));
}

export function thresholdEvidence(value: unknown): ThresholdRecord[] {
  return objects(value).map((threshold) => ({
    window_seconds: Math.round(num(threshold.windowMs) / 1_000),
    min_unique_destinations: num(threshold.minDistinctCallees),
    max_avg_duration_seconds: num(threshold.maxAvgDurationSeconds),
  }));
}

export function calleeSample(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** The stored `{ windows, calleeSample, thresholds }` → the API's evidence object. */
export function toEvidenceRecord(value: unknown): EvidenceRecord {
  const stored = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const sample = calleeSample(stored.calleeSample);
  return {
    windows: windowEvidence(stored.windows),
    callee_sample: sample,
    callee_prefixes: prefixes(sample),
    thresholds: thresholdEvidence(stored.thresholds),
  };
}
