/**
 * The rule interface. A rule is one file: it reads its thresholds from `RuleSettings`, says per window how
 * many calls it needs before it can possibly hold (so the engine skips it for quiet callers without looking
 * at their stats), and evaluates a caller's window stats to a severity. The engine owns everything else:
 * windows, episodes, cooldown, allowlist, keys. Register a new rule by passing it in `rules` to the engine.
 */
import type { CaseThreshold } from './case-types.js';
import type { RuleSettings } from './engine-options.js';

/** One caller's stats in one window at the caller's T. The engine reuses one object; copy what you keep. */
export interface WindowStats {
  windowMs: number;
  callCount: number;
  distinctCallees: number;
  totalDurationSeconds: number;
}

/** A rule compiled against one `RuleSettings` and the engine's windows. */
export interface PreparedRule {
  /**
   * Per engine window (same order as `windowsMs`): the fewest calls in that window with which the condition
   * can hold; `Infinity` when the rule does not watch that window.
   */
  readonly minCallsByWindow: readonly number[];
  /** Index into `SEVERITIES` when the condition holds in window `k`, else −1. Called on the hot path. */
  evaluate(k: number, stats: WindowStats): number;
  /** The alert's one-line human evidence. */
  summarize(caller: number, stats: WindowStats): string;
  /** The thresholds in force, one per watched window, frozen into each case event. */
  readonly thresholds?: readonly CaseThreshold[];
}

export interface Rule {
  /** Lower-case id used in NATS subjects and alert keys, e.g. `sdhf`. Unique per engine. */
  readonly id: string;
  /** e.g. `SDHF_SIMBOX`. */
  readonly alertType: string;
  /** e.g. `SDHF_001`. */
  readonly detectionRule: string;
  /** Compiles this rule's part of `settings`; throws `RuleSettingsError` for values it cannot use. */
  prepare(settings: RuleSettings, windowsMs: readonly number[]): PreparedRule;
}
