/**
 * Rule settings as operators edit them (RuleSettingsDoc: seconds, the seed's field names) and as the windows
 * engine takes them (RuleSettings: milliseconds). Defaults come from the configuration (thresholds, allowlist,
 * cooldown, and the case lifecycle: CASE_QUIET_PERIOD, CASE_REOPEN_WITHIN, CASE_UPDATE_EVERY).
 */
import type { RuleSettingsDoc } from '../../api/index.js';
import type { Config } from '../../config/index.js';
import type { RuleSettings } from '../../windows/index.js';

export function defaultRuleSettingsDoc(config: Config): RuleSettingsDoc {
  return {
    thresholds: config.windowsMs.map((windowMs) => ({
      windowSeconds: Math.round(windowMs / 1_000),
      minUniqueDestinations: config.sdhf.minDistinctCallees,
      maxAvgDurationSeconds: config.sdhf.maxAvgDurationSeconds,
    })),
    allowlist: [...config.allowlist],
    cooldownSeconds: Math.round(config.alertCooldownMs / 1_000),
    cases: caseSettingsDoc(config),
  };
}

/** The configuration's case lifecycle, in the document's seconds. */
export function caseSettingsDoc(config: Config): NonNullable<RuleSettingsDoc['cases']> {
  return {
    quietPeriodSeconds: config.cases.quietPeriodMs / 1_000,
    reopenWithinSeconds: config.cases.reopenWithinMs / 1_000,
    updateEverySeconds: config.cases.updateEveryMs / 1_000,
  };
}

/**
 * The engine's settings for a document. A document without `cases` (stored before cases existed) runs with
 * `fallbackCases`, normally the configuration's; without either the engine's defaults apply.
 */
export function toRuleSettings(doc: RuleSettingsDoc, fallbackCases?: RuleSettingsDoc['cases']): RuleSettings {
  const cases = doc.cases ?? fallbackCases;
  return {
    sdhf: doc.thresholds.map((t) => ({
      windowMs: t.windowSeconds * 1_000,
      minDistinctCallees: t.minUniqueDestinations,
      maxAvgDurationSeconds: t.maxAvgDurationSeconds,
    })),
    allowlist: [...doc.allowlist],
    cooldownMs: doc.cooldownSeconds * 1_000,
    ...(cases === undefined
      ? {}
      : {
          cases: {
            quietPeriodMs: Math.round(cases.quietPeriodSeconds * 1_000),
            reopenWithinMs: Math.round(cases.reopenWithinSeconds * 1_000),
            updateEveryMs: Math.round(cases.updateEverySeconds * 1_000),
          },
        }),
    ...(doc.suppressions === undefined
      ? {}
      : { suppressions: doc.suppressions.map(({ number, untilMs }) => ({ number, untilMs })) }),
  };
}

/** The document for engine settings (milliseconds → seconds): the inverse of `toRuleSettings`. */
export function toRuleSettingsDoc(settings: RuleSettings): RuleSettingsDoc {
  return {
    thresholds: settings.sdhf.map((entry) => ({
      windowSeconds: entry.windowMs / 1_000,
      minUniqueDestinations: entry.minDistinctCallees,
      maxAvgDurationSeconds: entry.maxAvgDurationSeconds,
    })),
    allowlist: [...settings.allowlist],
    cooldownSeconds: settings.cooldownMs / 1_000,
    ...(settings.cases === undefined
      ? {}
      : {
          cases: {
            quietPeriodSeconds: settings.cases.quietPeriodMs / 1_000,
            reopenWithinSeconds: settings.cases.reopenWithinMs / 1_000,
            updateEverySeconds: settings.cases.updateEveryMs / 1_000,
          },
        }),
    ...(settings.suppressions === undefined
      ? {}
      : { suppressions: settings.suppressions.map(({ number, untilMs }) => ({ number, untilMs })) }),
  };
}

/** Exact numbers or prefixes ending in `*`. */
export function isAllowlisted(digits: string, allowlist: readonly string[]): boolean {
  return allowlist.some((entry) =>
    entry.endsWith('*') ? digits.startsWith(entry.slice(0, -1)) : digits === entry,
  );
}
