/**
 * The alerts an uninterrupted engine raises for a publish order, with their figures: the same decode, dedup and
 * one detection engine per partition as the engine, in process (the brute-force twin of
 * test/support/reference-alerts.ts, which keeps only the keys).
 */
import type { Config } from '../../../src/config/index.js';
import { decodeCdr, numberDigits, partitionOf } from '../../../src/codec/index.js';
import { DetectionEngine, type AlertEvent } from '../../../src/windows/index.js';

/** Alert key → the alert, for `records` in the order each partition's stream holds them. */
export function expectedAlerts(
  records: readonly { json: string }[],
  partitions: number,
  config: Config,
): Map<string, AlertEvent> {
  const rules = {
    sdhf: config.windowsMs.map((windowMs) => ({ windowMs, ...config.sdhf })),
    allowlist: config.allowlist,
    cooldownMs: config.alertCooldownMs,
  };
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
      engine = new DetectionEngine(
        { windowsMs: config.windowsMs, allowedLatenessMs: config.allowedLatenessMs },
        rules,
      );
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
