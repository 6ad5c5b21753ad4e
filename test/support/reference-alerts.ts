/**
 * What an uninterrupted engine would alert on for a given publish order: the same decode, dedup and one
 * detection engine per partition, in process. Used to check that a crash and restart change nothing.
 */
import type { Config } from '../../src/config/index.js';
import { decodeCdr, partitionOf, numberDigits } from '../../src/codec/index.js';
import { DetectionEngine, type AlertEvent, type RuleSettings } from '../../src/windows/index.js';

/** Alert key → the alert (with its figures), for `records` in the order each partition's stream holds them. */
export function referenceAlerts(
  records: readonly { json: string }[],
  partitions: number,
  windowsMs: number[],
  allowedLatenessMs: number,
  rules: RuleSettings,
): Map<string, AlertEvent> {
  const engines = new Map<number, DetectionEngine>();
  const seen = new Set<string>();
  const alerts = new Map<string, AlertEvent>();
  const out: AlertEvent[] = [];
  const encoder = new TextEncoder();
  for (const record of records) {
    const decoded = decodeCdr(encoder.encode(record.json));
    if (!decoded.ok || seen.has(decoded.cdr.callId)) continue;
    seen.add(decoded.cdr.callId);
    const partition = partitionOf(numberDigits(decoded.cdr.caller), partitions);
    let engine = engines.get(partition);
    if (engine === undefined) {
      engine = new DetectionEngine({ windowsMs, allowedLatenessMs }, rules);
      engines.set(partition, engine);
    }
    out.length = 0;
    engine.process(
      decoded.cdr.caller,
      decoded.cdr.callee,
      decoded.cdr.startMs,
      decoded.cdr.durationSeconds,
      out,
    );
    for (const alert of out) alerts.set(alert.alertKey, { ...alert });
  }
  return alerts;
}

export function referenceAlertKeys(
  records: readonly { json: string }[],
  partitions: number,
  windowsMs: number[],
  allowedLatenessMs: number,
  rules: RuleSettings,
): Set<string> {
  return new Set(referenceAlerts(records, partitions, windowsMs, allowedLatenessMs, rules).keys());
}

/** The engine's start-up rules from `config`: its windows, SDHF thresholds, allowlist and cooldown. */
export function configuredRules(config: Config): RuleSettings {
  return {
    sdhf: config.windowsMs.map((windowMs) => ({ windowMs, ...config.sdhf })),
    allowlist: config.allowlist,
    cooldownMs: config.alertCooldownMs,
  };
}

/** `referenceAlertKeys` with the engine's start-up rules from `config` (its windows, SDHF thresholds, allowlist). */
export function configuredAlertKeys(
  records: readonly { json: string }[],
  partitions: number,
  config: Config,
): Set<string> {
  return referenceAlertKeys(
    records,
    partitions,
    config.windowsMs,
    config.allowedLatenessMs,
    configuredRules(config),
  );
}
