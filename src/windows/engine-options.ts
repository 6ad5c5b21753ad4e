/**
 * Options of the window engine (fixed for its lifetime, stored in snapshots) and rule settings (replaceable at
 * run time). Validation lives here so the engine's hot path can trust its inputs.
 */
import type { CaseSettings, Suppression } from './case-types.js';
import { RuleSettingsError, WindowOptionsError } from './errors.js';

/** Windows longer than this cannot be held: event times inside a caller's block are 32-bit offsets. */
export const MAX_WINDOW_MS = 2 ** 31 - 1;

/** Longest quiet, reopen or update period a case setting accepts: a year. */
export const MAX_CASE_PERIOD_MS = 366 * 86_400_000;

/** The seed's windows, short ones first so a SIM box is caught minutes after it starts. */
export const DEFAULT_WINDOWS_MS: readonly number[] = [600_000, 3_600_000, 86_400_000];

export interface WindowEngineOptions {
  /** Window lengths in ms, strictly ascending, each 1 ms … `MAX_WINDOW_MS`. @default [10 min, 1 h, 24 h] */
  windowsMs: readonly number[];
  /**
   * A record more than this behind its own caller's latest event time is `late` (stored, not windowed).
   * Judged per caller: other callers' clocks never make a record late (ADR 0011). @default 300_000 (5 min)
   */
  allowedLatenessMs: number;
  /**
   * How far behind the partition clock (event time, never ahead of arrival time) any record may be and still be
   * windowed; callers are kept this long after their latest event left the longest window, so a reclaimed
   * caller can never come back with a wrong count (ADR 0011).
   * @default max(allowedLatenessMs, 1 h)
   */
  feedDelayMs?: number;
  /** Presize the caller table for this many live callers (avoids rehash pauses). @default 1024 */
  expectedCallers?: number;
  /** Presize the event slab for this many events held in the longest window. @default 4096 */
  expectedEvents?: number;
}

/** SDHF thresholds for one window. Flag when distinct > `minDistinctCallees` and average < `maxAvgDurationSeconds`. */
export interface SdhfWindowSettings {
  /** Must be one of the engine's `windowsMs`. */
  windowMs: number;
  /** Strictly more distinct callees than this. @default 50 */
  minDistinctCallees: number;
  /** Average duration strictly below this, in seconds. @default 3.0 */
  maxAvgDurationSeconds: number;
}

export interface RuleSettings {
  /** One entry per window the rule watches; a window without an entry has the rule off. */
  sdhf: readonly SdhfWindowSettings[];
  /** Caller numbers (digits) or prefixes ending in `*` that never alert. */
  allowlist: readonly string[];
  /** An open episode re-alerts after this much event time without escalation. @default 3_600_000 (1 h) */
  cooldownMs: number;
  /** Case lifecycle (hysteresis, reopening, update rate). @default DEFAULT_CASE_SETTINGS */
  cases?: CaseSettings;
  /** Suspects a reviewer marked false positive: no new case for them until the given event time. */
  suppressions?: readonly Suppression[];
}

/** The seed's thresholds on every default window. */
export const DEFAULT_RULE_SETTINGS: RuleSettings = {
  sdhf: DEFAULT_WINDOWS_MS.map((windowMs) => ({
    windowMs,
    minDistinctCallees: 50,
    maxAvgDurationSeconds: 3.0,
  })),
  allowlist: [],
  cooldownMs: 3_600_000,
};

/** `feedDelayMs` unless given: a mediation feed delivering files every 15–30 minutes is still windowed. */
export const DEFAULT_MIN_FEED_DELAY_MS = 3_600_000;

/** The feed delay an engine runs with when none is given: max(lateness, 1 h). */
export function defaultFeedDelayMs(allowedLatenessMs: number): number {
  return Math.max(allowedLatenessMs, DEFAULT_MIN_FEED_DELAY_MS);
}

export interface ResolvedEngineOptions {
  windowsMs: readonly number[];
  allowedLatenessMs: number;
  feedDelayMs: number;
  expectedCallers: number;
  expectedEvents: number;
}

function isWholeMs(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}

export function resolveEngineOptions(options: WindowEngineOptions): ResolvedEngineOptions {
  const windowsMs = options.windowsMs;
  if (!Array.isArray(windowsMs) || windowsMs.length === 0 || windowsMs.length > 16) {
    throw new WindowOptionsError('windowsMs', 'a list of 1 to 16 window lengths in ms');
  }
  windowsMs.forEach((windowMs, index) => {
    if (!isWholeMs(windowMs, 1, MAX_WINDOW_MS)) {
      throw new WindowOptionsError(`windowsMs[${index}]`, `a whole number of ms in 1 … ${MAX_WINDOW_MS}`);
    }
    const previous = windowsMs[index - 1];
    if (previous !== undefined && windowMs <= previous) {
      throw new WindowOptionsError(
        `windowsMs[${index}]`,
        `longer than windowsMs[${index - 1}] (${previous})`,
      );
    }
  });
  if (!isWholeMs(options.allowedLatenessMs, 0, MAX_WINDOW_MS)) {
    throw new WindowOptionsError('allowedLatenessMs', `a whole number of ms in 0 … ${MAX_WINDOW_MS}`);
  }
  const feedDelayMs = options.feedDelayMs ?? defaultFeedDelayMs(options.allowedLatenessMs);
  if (!isWholeMs(feedDelayMs, 0, MAX_WINDOW_MS)) {
    throw new WindowOptionsError('feedDelayMs', `a whole number of ms in 0 … ${MAX_WINDOW_MS}`);
  }
  const expectedCallers = options.expectedCallers ?? 1024;
  const expectedEvents = options.expectedEvents ?? 4096;
  if (!isWholeMs(expectedCallers, 0, 2 ** 28)) {
    throw new WindowOptionsError('expectedCallers', 'an integer in 0 … 2^28');
  }
  if (!isWholeMs(expectedEvents, 0, 2 ** 34)) {
    throw new WindowOptionsError('expectedEvents', 'an integer in 0 … 2^34');
  }
  return {
    windowsMs: [...windowsMs],
    allowedLatenessMs: options.allowedLatenessMs,
    feedDelayMs,
    expectedCallers,
    expectedEvents,
  };
}

const ALLOWLIST_ENTRY = /^\d{1,16}\*?$/;

/** Throws `RuleSettingsError` naming the first bad field. */
export function validateRuleSettings(settings: RuleSettings, windowsMs: readonly number[]): void {
  if (!Array.isArray(settings.sdhf)) throw new RuleSettingsError('sdhf', 'a list (empty turns the rule off)');
  const seen = new Set<number>();
  settings.sdhf.forEach((entry, index) => {
    const where = `sdhf[${index}]`;
    if (!windowsMs.includes(entry.windowMs)) {
      throw new RuleSettingsError(
        `${where}.windowMs`,
        `one of the engine's windows (${windowsMs.join(', ')})`,
      );
    }
    if (seen.has(entry.windowMs)) throw new RuleSettingsError(`${where}.windowMs`, 'listed once');
    seen.add(entry.windowMs);
    if (!Number.isSafeInteger(entry.minDistinctCallees) || entry.minDistinctCallees < 0) {
      throw new RuleSettingsError(`${where}.minDistinctCallees`, 'an integer ≥ 0');
    }
    if (!Number.isFinite(entry.maxAvgDurationSeconds) || entry.maxAvgDurationSeconds <= 0) {
      throw new RuleSettingsError(`${where}.maxAvgDurationSeconds`, 'a number > 0');
    }
  });
  if (!Array.isArray(settings.allowlist))
    throw new RuleSettingsError('allowlist', 'a list of numbers or prefixes');
  settings.allowlist.forEach((entry, index) => {
    if (typeof entry !== 'string' || !ALLOWLIST_ENTRY.test(entry)) {
      throw new RuleSettingsError(`allowlist[${index}]`, 'digits without "+", or a prefix ending in "*"');
    }
  });
  if (!isWholeMs(settings.cooldownMs, 0, Number.MAX_SAFE_INTEGER)) {
    throw new RuleSettingsError('cooldownMs', 'a whole number of ms ≥ 0');
  }
  validateCaseSettings(settings);
}

/** Case settings and suppressions (both optional). */
function validateCaseSettings(settings: RuleSettings): void {
  const cases = settings.cases;
  if (cases !== undefined) {
    for (const field of ['quietPeriodMs', 'reopenWithinMs', 'updateEveryMs'] as const) {
      if (!isWholeMs(cases[field], 0, MAX_CASE_PERIOD_MS)) {
        throw new RuleSettingsError(`cases.${field}`, `a whole number of ms in 0 … ${MAX_CASE_PERIOD_MS}`);
      }
    }
  }
  const suppressions = settings.suppressions;
  if (suppressions === undefined) return;
  if (!Array.isArray(suppressions)) throw new RuleSettingsError('suppressions', 'a list');
  suppressions.forEach((entry, index) => {
    if (typeof entry.number !== 'string' || !/^[1-9]\d{0,15}$/.test(entry.number)) {
      throw new RuleSettingsError(`suppressions[${index}].number`, 'digits without "+"');
    }
    if (!Number.isSafeInteger(entry.untilMs)) {
      throw new RuleSettingsError(`suppressions[${index}].untilMs`, 'a whole number of epoch ms');
    }
  });
}
