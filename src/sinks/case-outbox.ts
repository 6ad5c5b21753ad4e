/**
 * The case-event outbox (migration 0004: `case_events.published_at`). Events are published on NATS after their
 * batch commits and then marked here, in batches. What a crash (or a NATS outage longer than the publisher's
 * retries) left unmarked is read back per partition by the partition's next owner and published again before
 * it starts: JetStream drops the copies it already holds by `Nats-Msg-Id` = `event_key` within the CASES
 * stream's duplicate window (docs/adr/0014-case-storage-and-publish-after-commit.md).
 *
 * An event read back is the `CaseEvent` it was stored from: the case's constant fields come from `cases`, and
 * `reopenCount` at the event is the number of `reopened` events up to it, so a re-published message has the
 * same body as the first one.
 */
import type pg from 'pg';
import type { CaseEvent, CaseEventKind, Severity } from '../windows/index.js';
import type { StoredCaseEvent } from './batch-types.js';

interface UnpublishedRow {
  id: string;
  event_key: string;
  case_key: string;
  sequence: number;
  kind: CaseEventKind;
  severity: Severity;
  peak_severity: Severity;
  trigger_window_seconds: number;
  at_ms: number;
  windows: CaseEvent['windows'];
  callee_sample: string[];
  thresholds: CaseEvent['thresholds'];
  evidence_summary: string;
  stream_partition: number;
  case_id: string;
  rule: string;
  alert_type: string;
  detection_rule: string;
  suspect_number: string;
  opened_ms: number;
  reopen_count: number;
}

const SELECT_UNPUBLISHED = /* sql */ `
SELECT e.id, e.event_key, e.case_key, e.sequence, e.kind, e.severity, e.peak_severity, e.trigger_window_seconds,
  (extract(epoch FROM e.at) * 1000)::float8 AS at_ms, e.windows, e.callee_sample, e.thresholds,
  e.evidence_summary, e.stream_partition, c.id AS case_id, c.rule, c.alert_type, c.detection_rule,
  c.suspect_number, (extract(epoch FROM c.opened_at) * 1000)::float8 AS opened_ms,
  (SELECT count(*) FROM case_events r
    WHERE r.case_key = e.case_key AND r.kind = 'reopened' AND r.sequence <= e.sequence)::integer AS reopen_count
FROM case_events e JOIN cases c USING (case_key)
WHERE e.stream_partition = $1 AND e.published_at IS NULL AND e.created_at <= now() - make_interval(secs => $3)
ORDER BY e.id
LIMIT $2`;

function toStored(row: UnpublishedRow): StoredCaseEvent {
  const triggerSeconds = row.trigger_window_seconds;
  // The stored trigger is in whole seconds; the event's own window length is the one that rounds to it.
  const trigger = row.windows.find((window) => Math.round(window.windowMs / 1_000) === triggerSeconds);
  const event: CaseEvent = {
    caseKey: row.case_key,
    eventKey: row.event_key,
    sequence: row.sequence,
    kind: row.kind,
    rule: row.rule,
    alertType: row.alert_type,
    detectionRule: row.detection_rule,
    suspectNumber: row.suspect_number,
    severity: row.severity,
    peakSeverity: row.peak_severity,
    triggerWindowMs: trigger?.windowMs ?? triggerSeconds * 1_000,
    atMs: Math.round(row.at_ms),
    openedAtMs: Math.round(row.opened_ms),
    reopenCount: row.reopen_count,
    windows: row.windows,
    calleeSample: row.callee_sample,
    thresholds: row.thresholds,
    evidenceSummary: row.evidence_summary,
  };
  return { event, eventId: Number(row.id), caseId: Number(row.case_id), partition: row.stream_partition };
}

/**
 * Up to `limit` events of `partition` not yet marked published and stored at least `minAgeMs` ago (a sweep
 * leaves the ones whose ack is probably still on its way), oldest first.
 */
export async function selectUnpublishedCaseEvents(
  client: pg.ClientBase,
  partition: number,
  limit: number,
  minAgeMs = 0,
): Promise<StoredCaseEvent[]> {
  const result = await client.query<UnpublishedRow>(SELECT_UNPUBLISHED, [partition, limit, minAgeMs / 1_000]);
  return result.rows.map(toStored);
}

/** Marks events published (JetStream acknowledged them); marking twice is harmless. Returns rows changed. */
export async function markCaseEventsPublished(
  client: pg.ClientBase,
  eventIds: readonly number[],
): Promise<number> {
  if (eventIds.length === 0) return 0;
  const result = await client.query(
    'UPDATE case_events SET published_at = now() WHERE id = ANY($1::bigint[]) AND published_at IS NULL',
    [[...eventIds]],
  );
  return result.rowCount ?? 0;
}
