/**
 * `fraud_alerts` as the shard workers write and publish it: the batch's insert (ON CONFLICT (alert_key) DO
 * NOTHING, with the partition the alert came from), and the alert outbox (migration 0005) — alerts published
 * after their commit are marked `published_at`; what stays unmarked is read back per partition, as the alert
 * message it was stored from, and published again by the partition's next owner
 * (docs/adr/0014-case-storage-and-publish-after-commit.md).
 */
import type pg from 'pg';
import type { AlertMessage } from '../windows/index.js';
import { jsonbLiteral, type ClosingStatement } from './closing-statement.js';
import { jsonForPostgres } from './row-checks.js';

/** An alert with the partition it was derived from (-1: none, e.g. a test's). */
export interface PartitionedAlert {
  alert: AlertMessage;
  partition: number;
}

/** An alert stored in `fraud_alerts`: the message, its row id and its partition. */
export interface StoredAlert {
  alert: AlertMessage;
  id: number;
  partition: number;
}

/**
 * The statement that inserts the alerts whose key is new (undefined when there are none); it reads
 * `alert_key` → `fraud_alerts.id` of those inserted.
 */
export function insertAlertsStatement(
  client: pg.ClientBase,
  alerts: readonly PartitionedAlert[],
): ClosingStatement<Map<string, number>> | undefined {
  if (alerts.length === 0) return undefined;
  const rows = alerts.map(({ alert, partition }) => ({
    ...alert,
    stream_partition: partition >= 0 ? partition : null,
  }));
  const sql = `INSERT INTO fraud_alerts (alert_key, episode_key, alert_type, detection_rule, rule, window_seconds,
       suspect_number, alert_severity, evidence_summary, call_count, unique_destinations, avg_duration_seconds,
       window_start, window_end, first_event_at, last_event_at, event_to_alert_ms, reason, created_at, source,
       stream_partition)
     SELECT a.alert_key, a.episode_key, a.alert_type, a.detection_rule, a.rule, a.window_seconds,
       a.suspect_number, a.alert_severity, a.evidence_summary, a.call_count, a.unique_destinations,
       a.avg_duration_seconds, a.window_start, a.window_end, a.first_event_at, a.last_event_at,
       round(LEAST(GREATEST(a.event_to_alert_ms, 0), 2147483647))::integer, a.reason, a.created_at, 'stream',
       a.stream_partition
     FROM jsonb_to_recordset(${jsonbLiteral(client, jsonForPostgres(rows))}) AS a(alert_key text, episode_key text, alert_type text,
       detection_rule text, rule text, window_seconds integer, suspect_number text, alert_severity text,
       evidence_summary text, call_count integer, unique_destinations integer, avg_duration_seconds double precision,
       window_start timestamptz, window_end timestamptz, first_event_at timestamptz, last_event_at timestamptz,
       event_to_alert_ms double precision, reason text, created_at timestamptz, stream_partition smallint)
     ON CONFLICT (alert_key) DO NOTHING
     RETURNING id, alert_key`;
  return {
    sql,
    read: (result) =>
      new Map(
        (result.rows as { id: string; alert_key: string }[]).map((row) => [row.alert_key, Number(row.id)]),
      ),
  };
}

interface UnpublishedAlertRow {
  id: string;
  alert_key: string;
  episode_key: string;
  alert_type: string;
  detection_rule: string;
  rule: string;
  window_seconds: number;
  suspect_number: string;
  alert_severity: AlertMessage['alert_severity'];
  call_count: number;
  unique_destinations: number;
  avg_duration_seconds: number;
  window_start: Date;
  window_end: Date;
  first_event_at: Date;
  last_event_at: Date;
  evidence_summary: string;
  created_at: Date;
  event_to_alert_ms: number | null;
  reason: AlertMessage['reason'];
  stream_partition: number;
}

/**
 * Up to `limit` alerts of `partition` not yet marked published and derived at least `minAgeMs` ago (their
 * `created_at`, the engine's wall time), oldest first, as the messages they were stored from.
 */
export async function selectUnpublishedAlerts(
  client: pg.ClientBase,
  partition: number,
  limit: number,
  minAgeMs = 0,
): Promise<StoredAlert[]> {
  const result = await client.query<UnpublishedAlertRow>(
    `SELECT id, alert_key, episode_key, alert_type, detection_rule, rule, window_seconds, suspect_number,
       alert_severity, call_count, unique_destinations, avg_duration_seconds, window_start, window_end,
       first_event_at, last_event_at, evidence_summary, created_at, event_to_alert_ms, reason, stream_partition
     FROM fraud_alerts
     WHERE stream_partition = $1 AND published_at IS NULL AND created_at <= now() - make_interval(secs => $3)
     ORDER BY id
     LIMIT $2`,
    [partition, limit, minAgeMs / 1_000],
  );
  return result.rows.map((row) => ({
    id: Number(row.id),
    partition: row.stream_partition,
    alert: {
      alert_key: row.alert_key,
      episode_key: row.episode_key,
      alert_type: row.alert_type,
      detection_rule: row.detection_rule,
      rule: row.rule,
      window_seconds: row.window_seconds,
      suspect_number: row.suspect_number,
      alert_severity: row.alert_severity,
      call_count: row.call_count,
      unique_destinations: row.unique_destinations,
      avg_duration_seconds: row.avg_duration_seconds,
      window_start: row.window_start.toISOString(),
      window_end: row.window_end.toISOString(),
      first_event_at: row.first_event_at.toISOString(),
      last_event_at: row.last_event_at.toISOString(),
      evidence_summary: row.evidence_summary,
      created_at: row.created_at.toISOString(),
      event_to_alert_ms: row.event_to_alert_ms ?? 0,
      reason: row.reason,
    },
  }));
}

/** Marks alerts published (JetStream acknowledged them); marking twice is harmless. Returns rows changed. */
export async function markAlertsPublished(client: pg.ClientBase, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await client.query(
    'UPDATE fraud_alerts SET published_at = now() WHERE id = ANY($1::bigint[]) AND published_at IS NULL',
    [[...ids]],
  );
  return result.rowCount ?? 0;
}
