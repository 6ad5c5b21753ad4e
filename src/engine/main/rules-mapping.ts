/**
 * Rule settings as operators edit them (RuleSettingsDoc: seconds, the seed's field names) and as the windows
 * engine takes them (RuleSettings: milliseconds). Defaults come from the configuration.
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
  };
}

export function toRuleSettings(doc: RuleSettingsDoc): RuleSettings {
  return {
    sdhf: doc.thresholds.map((t) => ({
      windowMs: t.windowSeconds * 1_000,
      minDistinctCallees: t.minUniqueDestinations,
      maxAvgDurationSeconds: t.maxAvgDurationSeconds,
    })),
    allowlist: [...doc.allowlist],
    cooldownMs: doc.cooldownSeconds * 1_000,
  };
}

/** Exact numbers or prefixes ending in `*`. */
export function isAllowlisted(digits: string, allowlist: readonly string[]): boolean {
  return allowlist.some((entry) =>
    entry.endsWith('*') ? digits.startsWith(entry.slice(0, -1)) : digits === entry,
  );
}
