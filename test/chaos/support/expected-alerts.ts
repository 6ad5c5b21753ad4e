/**
 * The alerts an uninterrupted engine raises for a publish order, with their figures (test/support/
 * reference-alerts.ts: the same decode, dedup and one detection engine per partition, in process).
 */
import type { Config } from '../../../src/config/index.js';
import type { AlertEvent } from '../../../src/windows/index.js';
import { configuredRules, referenceAlerts } from '../../support/reference-alerts.js';

/** Alert key → the alert, for `records` in the order each partition's stream holds them. */
export function expectedAlerts(
  records: readonly { json: string }[],
  partitions: number,
  config: Config,
): Map<string, AlertEvent> {
  return referenceAlerts(
    records,
    partitions,
    config.windowsMs,
    config.allowedLatenessMs,
    configuredRules(config),
  );
}
