/**
 * The live feed's messages, the same for WebSocket and SSE. The shapes keep the predecessor's
 * (`connected`, `alert` with `data`, `heartbeat`); `data` carries every field of the alert contract plus the
 * `fraud_alerts` id (stream alerts are published after their commit, with their id). `case` messages carry a
 * case event (docs/nats.md) with its `case_id`, the id of `GET /alerts/{id}`.
 */
import type { CaseEventMessage } from '../../stream/index.js';
import type { AlertMessage, Severity } from '../../windows/index.js';
import type { FeedAlert } from '../engine-port.js';
import type { AlertRecord } from '../store/alerts-store.js';

export interface FeedAlertData extends Omit<AlertMessage, 'event_to_alert_ms' | 'reason'> {
  id: number | null;
  event_to_alert_ms: number | null;
  reason: string | null;
  source: 'stream' | 'detect';
}

export function feedDataFromMessage(alert: FeedAlert): FeedAlertData {
  const { id, ...fields } = alert;
  return { id: id ?? null, ...fields, source: 'stream' };
}

export function feedDataFromRecord(record: AlertRecord): FeedAlertData {
  return {
    id: record.id,
    alert_key: record.alert_key,
    episode_key: record.episode_key ?? record.alert_key,
    alert_type: record.alert_type,
    detection_rule: record.detection_rule,
    rule: record.rule,
    window_seconds: record.window_seconds ?? 0,
    suspect_number: record.suspect_number,
    alert_severity: record.alert_severity,
    call_count: record.call_count,
    unique_destinations: record.unique_destinations,
    avg_duration_seconds: record.avg_duration_seconds,
    window_start: record.window_start ?? '',
    window_end: record.window_end ?? '',
    first_event_at: record.first_event_at ?? '',
    last_event_at: record.last_event_at ?? '',
    evidence_summary: record.evidence_summary,
    created_at: record.created_at,
    event_to_alert_ms: record.event_to_alert_ms,
    reason: record.reason,
    source: record.source === 'detect' ? 'detect' : 'stream',
  };
}

export function connectedMessage(nowMs = Date.now()): string {
  return JSON.stringify({
    type: 'connected',
    message: 'Connected to the Sentinel live alert feed',
    timestamp: new Date(nowMs).toISOString(),
  });
}

export function alertMessage(data: FeedAlertData, nowMs = Date.now()): string {
  return JSON.stringify({ type: 'alert', timestamp: new Date(nowMs).toISOString(), data });
}

export function caseMessage(event: CaseEventMessage, nowMs = Date.now()): string {
  return JSON.stringify({ type: 'case', timestamp: new Date(nowMs).toISOString(), data: event });
}

export function heartbeatMessage(nowMs = Date.now()): string {
  return JSON.stringify({ type: 'heartbeat', timestamp: new Date(nowMs).toISOString() });
}

/** Parses `HIGH,CRITICAL` (already schema-checked) into a set; undefined means every severity. */
export function severitySet(list: string | undefined): ReadonlySet<Severity> | undefined {
  if (list === undefined || list === '') return undefined;
  return new Set(list.split(',') as Severity[]);
}
