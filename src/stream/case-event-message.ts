/**
 * The case event message: the JSON body of `sentinel.cases.<rule>.<kind>` and of the live feed's `case` messages
 * (docs/nats.md, contract — additive changes only). snake_case like the alert message; times ISO-8601 (event
 * time, the CDRs' clock), window lengths in seconds. `Nats-Msg-Id` is `event_key`, which is also the idempotency
 * key for subscribers that keep history beyond the stream's duplicate window.
 */
import type { CaseEvent, CaseEventKind, Severity } from '../windows/index.js';

export interface CaseWindowMessage {
  window_seconds: number;
  call_count: number;
  unique_destinations: number;
  total_duration_seconds: number;
  avg_duration_seconds: number;
  first_event_at: string | null;
  last_event_at: string | null;
  /** The severity the rule gives this window, or null when it is not met there. */
  severity: Severity | null;
}

export interface CaseThresholdMessage {
  window_seconds: number;
  min_unique_destinations: number;
  max_avg_duration_seconds: number;
}

export interface CaseEventMessage {
  /** `cases.id`: the case in `GET /alerts/{id}`. */
  case_id: number;
  case_key: string;
  event_key: string;
  /** 0 for `opened`, then 1, 2, … over the case's life. */
  sequence: number;
  kind: CaseEventKind;
  rule: string;
  alert_type: string;
  detection_rule: string;
  suspect_number: string;
  /** `open`, or `closed` after a `closed` event. */
  status: 'open' | 'closed';
  severity: Severity;
  peak_severity: Severity;
  trigger_window_seconds: number;
  /** The trigger window's figures (the seed's alert fields). */
  call_count: number;
  unique_destinations: number;
  avg_duration_seconds: number;
  at: string;
  opened_at: string;
  reopen_count: number;
  windows: CaseWindowMessage[];
  callee_sample: string[];
  thresholds: CaseThresholdMessage[];
  evidence_summary: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
const seconds = (ms: number): number => Math.round(ms / 1_000);

export function caseEventMessage(event: CaseEvent, caseId: number): CaseEventMessage {
  const trigger = event.windows.find((window) => window.windowMs === event.triggerWindowMs);
  return {
    case_id: caseId,
    case_key: event.caseKey,
    event_key: event.eventKey,
    sequence: event.sequence,
    kind: event.kind,
    rule: event.rule,
    alert_type: event.alertType,
    detection_rule: event.detectionRule,
    suspect_number: event.suspectNumber,
    status: event.kind === 'closed' ? 'closed' : 'open',
    severity: event.severity,
    peak_severity: event.peakSeverity,
    trigger_window_seconds: seconds(event.triggerWindowMs),
    call_count: trigger?.callCount ?? 0,
    unique_destinations: trigger?.distinctCallees ?? 0,
    avg_duration_seconds: trigger?.avgDurationSeconds ?? 0,
    at: iso(event.atMs),
    opened_at: iso(event.openedAtMs),
    reopen_count: event.reopenCount,
    windows: event.windows.map((window) => ({
      window_seconds: seconds(window.windowMs),
      call_count: window.callCount,
      unique_destinations: window.distinctCallees,
      total_duration_seconds: window.totalDurationSeconds,
      avg_duration_seconds: window.avgDurationSeconds,
      first_event_at: isoOrNull(window.firstEventAtMs),
      last_event_at: isoOrNull(window.lastEventAtMs),
      severity: window.severity,
    })),
    callee_sample: event.calleeSample,
    thresholds: event.thresholds.map((threshold) => ({
      window_seconds: seconds(threshold.windowMs),
      min_unique_destinations: threshold.minDistinctCallees,
      max_avg_duration_seconds: threshold.maxAvgDurationSeconds,
    })),
    evidence_summary: event.evidenceSummary,
  };
}
