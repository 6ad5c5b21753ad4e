export { SEVERITIES, toAlertMessage } from './alert-types.js';
export type { AlertEvent, AlertMessage, Severity } from './alert-types.js';
export { DetectionEngine } from './detection-engine.js';
export type { DetectionEngineExtras } from './detection-engine.js';
export {
  DEFAULT_RULE_SETTINGS,
  DEFAULT_WINDOWS_MS,
  MAX_WINDOW_MS,
  defaultFeedDelayMs,
  resolveEngineOptions,
  validateRuleSettings,
} from './engine-options.js';
export type { RuleSettings, SdhfWindowSettings, WindowEngineOptions } from './engine-options.js';
export type { CallerStats, CallerWindowStats, EngineFootprint, OpenEpisode } from './caller-stats.js';
export type { EventOutcome } from './event-outcome.js';
export type { StoreCensus } from './store-census.js';
export type { PreparedRule, Rule, WindowStats } from './rule.js';
export { sdhfRule } from './sdhf-rule.js';
export { sdhfSeverity, severityName } from './severity.js';
export { windowLabel } from './window-label.js';
export { RuleSettingsError, SnapshotError, WindowCapacityError, WindowOptionsError } from './errors.js';
export { CALLEE_SAMPLE_SIZE, CASE_EVENT_KINDS, DEFAULT_CASE_SETTINGS } from './case-types.js';
export type {
  CaseEvent,
  CaseEventKind,
  CaseSettings,
  CaseThreshold,
  CaseWindowEvidence,
  Suppression,
} from './case-types.js';
