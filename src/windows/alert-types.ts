/**
 * Alert types shared by the rules (which produce them), the NATS publisher, the Postgres sink and the API.
 * `AlertMessage` is the wire contract (docs/design.md §2): additive changes only.
 */

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What a rule emits, inside the engine. Times are epoch milliseconds of event time. */
export interface AlertEvent {
  /**
   * Deterministic: the same input stream gives the same keys, so replays never duplicate. One key per emitted
   * alert: `${rule}:${windowSeconds}:${caller}:${episodeStartMs}:${emission}` (emission 0 = opened, then 1, 2, …
   * for each escalation or cooldown re-alert within the same episode).
   */
  alertKey: string;
  /** The episode: `${rule}:${windowSeconds}:${caller}:${episodeStartMs}`. Shared by every emission of one open alert. */
  episodeKey: string;
  /** Lower-case rule id used in subjects, e.g. `sdhf`. */
  rule: string;
  /** e.g. `SDHF_SIMBOX`. */
  alertType: string;
  /** e.g. `SDHF_001`. */
  detectionRule: string;
  windowSeconds: number;
  /** Caller digits, no `+`. */
  suspectNumber: string;
  severity: Severity;
  /** Why this alert event was emitted: first time the condition held, severity went up, or cooldown elapsed. */
  reason: 'opened' | 'escalated' | 'cooldown';
  callCount: number;
  uniqueDestinations: number;
  avgDurationSeconds: number;
  totalDurationSeconds: number;
  /** Window bounds `(windowStartMs, windowEndMs]`. */
  windowStartMs: number;
  windowEndMs: number;
  firstEventAtMs: number;
  lastEventAtMs: number;
  /** One human line, e.g. `Caller 2348012345678 made 73 calls to 61 distinct numbers in 1h, avg duration 1.8s`. */
  evidenceSummary: string;
}

/** The JSON published on `sentinel.alerts.<rule>.<severity>`, sent on the live feed and stored in fraud_alerts. */
export interface AlertMessage {
  alert_key: string;
  episode_key: string;
  alert_type: string;
  detection_rule: string;
  rule: string;
  window_seconds: number;
  suspect_number: string;
  alert_severity: Severity;
  call_count: number;
  unique_destinations: number;
  avg_duration_seconds: number;
  window_start: string;
  window_end: string;
  first_event_at: string;
  last_event_at: string;
  evidence_summary: string;
  created_at: string;
  /** Wall-clock ms from the triggering CDR's arrival at the worker (or its publish time when known) to alert emission. */
  event_to_alert_ms: number;
  reason: AlertEvent['reason'];
}

export function toAlertMessage(event: AlertEvent, createdAtMs: number, eventToAlertMs: number): AlertMessage {
  return {
    alert_key: event.alertKey,
    episode_key: event.episodeKey,
    alert_type: event.alertType,
    detection_rule: event.detectionRule,
    rule: event.rule,
    window_seconds: event.windowSeconds,
    suspect_number: event.suspectNumber,
    alert_severity: event.severity,
    call_count: event.callCount,
    unique_destinations: event.uniqueDestinations,
    avg_duration_seconds: Math.round(event.avgDurationSeconds * 100) / 100,
    window_start: new Date(event.windowStartMs).toISOString(),
    window_end: new Date(event.windowEndMs).toISOString(),
    first_event_at: new Date(event.firstEventAtMs).toISOString(),
    last_event_at: new Date(event.lastEventAtMs).toISOString(),
    evidence_summary: event.evidenceSummary,
    created_at: new Date(createdAtMs).toISOString(),
    event_to_alert_ms: eventToAlertMs,
    reason: event.reason,
  };
}
