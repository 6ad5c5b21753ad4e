/**
 * Stores a batch's case events and folds them into `cases`, in one statement inside the batch's transaction
 * (migration 0004, docs/adr/0014-case-storage-and-publish-after-commit.md):
 *
 * 1. `case_events`: INSERT … ON CONFLICT DO NOTHING. Event keys are deterministic, so an event re-derived by a
 *    replay or a retried batch is not stored again — and only the events this statement inserted go on.
 * 2. `cases`: one upsert per case from its newly inserted events. The case's state (status, severity, trigger
 *    window and figures, evidence, closed_at, reopen_count, last_event_at, last_sequence) is taken from the
 *    newest of them, and only when its sequence is above the row's `last_sequence`, so an older event can never
 *    overwrite a newer state. `event_count` counts every inserted event; `peak_severity` / `peak_evidence` hold
 *    the first event (by sequence, whatever the arrival order) that reached the highest severity;
 *    `first_event_at` only moves back. A row missing for a later event (its `opened` was stored before this schema existed, or by
 *    hand-deleted history) is created from the event rather than losing it.
 *
 * Returns the inserted events with their `case_events.id` (the outbox mark) and `cases.id` (the feed's case id).
 */
import type pg from 'pg';
import type { CaseEvent } from '../windows/index.js';
import type { StoredCaseEvent } from './batch-types.js';
import { caseEventRow } from './case-event-rows.js';
import { jsonbLiteral, type ClosingStatement } from './closing-statement.js';
import { jsonForPostgres } from './row-checks.js';

const RANK = `ARRAY['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']`;
/** A higher severity, or the same one reached by an earlier event (one that arrived late). */
const PEAK_MOVES = `(array_position(${RANK}, EXCLUDED.peak_severity) > array_position(${RANK}, c.peak_severity)
  OR (EXCLUDED.peak_severity = c.peak_severity
    AND (EXCLUDED.peak_evidence->>'sequence')::integer < (c.peak_evidence->>'sequence')::integer))`;

/** The statement over `input`, the event rows as `jsonb` (a literal, or `$1` when prepared). */
const storeAndFold = (input: string): string => /* sql */ `
WITH input AS (
  SELECT * FROM jsonb_to_recordset(${input}) AS e(event_key text, case_key text, sequence integer, kind text,
    rule text, alert_type text, detection_rule text, suspect_number text, status text, severity text,
    peak_severity text, trigger_window_seconds integer, at timestamptz, opened_at timestamptz,
    closed_at timestamptz, first_event_at timestamptz, last_event_at timestamptz, reopen_count integer,
    call_count integer, unique_destinations integer, avg_duration_seconds double precision, windows jsonb,
    callee_sample jsonb, thresholds jsonb, evidence jsonb, evidence_summary text, stream_partition smallint)
),
inserted AS (
  INSERT INTO case_events (event_key, case_key, sequence, kind, severity, peak_severity, trigger_window_seconds,
    at, windows, callee_sample, thresholds, evidence_summary, stream_partition)
  SELECT event_key, case_key, sequence, kind, severity, peak_severity, trigger_window_seconds, at, windows,
    callee_sample, thresholds, evidence_summary, stream_partition
  FROM input ORDER BY case_key, sequence
  ON CONFLICT DO NOTHING
  RETURNING id, event_key
),
fresh AS (SELECT i.*, ins.id AS event_id FROM input i JOIN inserted ins USING (event_key)),
latest AS (SELECT DISTINCT ON (case_key) * FROM fresh ORDER BY case_key, sequence DESC),
peak AS (
  SELECT DISTINCT ON (case_key) case_key, severity AS peak, evidence AS peak_evidence FROM fresh
  ORDER BY case_key, array_position(${RANK}, severity) DESC, sequence ASC
),
counts AS (
  SELECT case_key, count(*)::integer AS fresh_count, min(first_event_at) AS fresh_first FROM fresh GROUP BY case_key
),
folded AS (
  INSERT INTO cases AS c (case_key, rule, alert_type, detection_rule, suspect_number, status, severity,
    peak_severity, trigger_window_seconds, call_count, unique_destinations, avg_duration_seconds,
    evidence_summary, evidence, peak_evidence, opened_at, first_event_at, last_event_at, closed_at,
    reopen_count, event_count, last_sequence, stream_partition)
  SELECT l.case_key, l.rule, l.alert_type, l.detection_rule, l.suspect_number, l.status, l.severity, p.peak,
    l.trigger_window_seconds, l.call_count, l.unique_destinations, l.avg_duration_seconds, l.evidence_summary,
    l.evidence, p.peak_evidence, l.opened_at, n.fresh_first, l.last_event_at, l.closed_at, l.reopen_count,
    n.fresh_count, l.sequence, l.stream_partition
  FROM latest l JOIN peak p USING (case_key) JOIN counts n USING (case_key)
  ON CONFLICT (case_key) DO UPDATE SET
    status = CASE WHEN EXCLUDED.last_sequence > c.last_sequence THEN EXCLUDED.status ELSE c.status END,
    severity = CASE WHEN EXCLUDED.last_sequence > c.last_sequence THEN EXCLUDED.severity ELSE c.severity END,
    trigger_window_seconds = CASE WHEN EXCLUDED.last_sequence > c.last_sequence
      THEN EXCLUDED.trigger_window_seconds ELSE c.trigger_window_seconds END,
    call_count = CASE WHEN EXCLUDED.last_sequence > c.last_sequence THEN EXCLUDED.call_count ELSE c.call_count END,
    unique_destinations = CASE WHEN EXCLUDED.last_sequence > c.last_sequence
      THEN EXCLUDED.unique_destinations ELSE c.unique_destinations END,
    avg_duration_seconds = CASE WHEN EXCLUDED.last_sequence > c.last_sequence
      THEN EXCLUDED.avg_duration_seconds ELSE c.avg_duration_seconds END,
    evidence_summary = CASE WHEN EXCLUDED.last_sequence > c.last_sequence
      THEN EXCLUDED.evidence_summary ELSE c.evidence_summary END,
    evidence = CASE WHEN EXCLUDED.last_sequence > c.last_sequence THEN EXCLUDED.evidence ELSE c.evidence END,
    last_event_at = CASE WHEN EXCLUDED.last_sequence > c.last_sequence
      THEN EXCLUDED.last_event_at ELSE c.last_event_at END,
    closed_at = CASE WHEN EXCLUDED.last_sequence > c.last_sequence THEN EXCLUDED.closed_at ELSE c.closed_at END,
    reopen_count = CASE WHEN EXCLUDED.last_sequence > c.last_sequence
      THEN EXCLUDED.reopen_count ELSE c.reopen_count END,
    last_sequence = GREATEST(c.last_sequence, EXCLUDED.last_sequence),
    peak_severity = CASE WHEN ${PEAK_MOVES} THEN EXCLUDED.peak_severity ELSE c.peak_severity END,
    peak_evidence = CASE WHEN ${PEAK_MOVES} THEN EXCLUDED.peak_evidence ELSE c.peak_evidence END,
    first_event_at = LEAST(c.first_event_at, EXCLUDED.first_event_at),
    event_count = c.event_count + EXCLUDED.event_count,
    updated_at = now()
  RETURNING id, case_key
)
SELECT f.event_key, f.event_id, folded.id AS case_id FROM fresh f JOIN folded USING (case_key)`;

/** The store-and-fold statement as prepared on a connection (`prepareStoreAndFold`). */
const PREPARED_NAME = 'sentinel_store_and_fold';
/** Connections holding the prepared statement. The writer replaces a connection after any failure. */
const preparedOn = new WeakSet<pg.ClientBase>();
/**
 * Cleared for good when the server lost a statement this process prepared: a pooler in transaction mode (e.g.
 * PgBouncer) hands each transaction whichever server connection is free, so session-level statements do not
 * follow the client. The fold is then sent as plain SQL, as it always can be.
 */
let preparing = true;

/**
 * Prepares the store-and-fold statement on `client` once per connection, outside any transaction, so the
 * closing request only EXECUTEs it. Parsing and planning that statement each time cost more than running it:
 * an alert-bearing commit took 5.3 ms with it inlined and 2.4 ms prepared (median, bench/sinks/alert-commit.ts).
 */
export async function prepareStoreAndFold(client: pg.ClientBase): Promise<void> {
  if (!preparing || preparedOn.has(client)) return;
  await client.query(`PREPARE ${PREPARED_NAME}(jsonb) AS ${storeAndFold('$1')}`);
  preparedOn.add(client);
}

/**
 * True (once) when `error` says the server does not have the prepared statement: from then on the fold is sent
 * as plain SQL, and the caller's retry goes through.
 */
export function preparedStatementLost(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== '26000' || typeof message !== 'string' || !message.includes(PREPARED_NAME)) return false;
  const first = preparing;
  preparing = false;
  return first;
}

/** Exposed for tests: prepare the fold again (a new process would). */
export function resetStoreAndFoldPreparation(): void {
  preparing = true;
}

/**
 * The statement that stores `events` (each from the partition at the same index of `partitions`) and folds the
 * new ones into their cases, inside the batch's transaction (undefined when there are none); it reads the events
 * it inserted. One statement whatever the number of events.
 */
export function storeCaseEventsStatement(
  client: pg.ClientBase,
  events: readonly CaseEvent[],
  partitions: readonly number[],
): ClosingStatement<StoredCaseEvent[]> | undefined {
  if (events.length === 0) return undefined;
  // One row per event key: the statement's ON CONFLICT handles keys stored before, not a key twice in one input.
  const unique = new Map<string, { event: CaseEvent; partition: number }>();
  events.forEach((event, i) => {
    if (!unique.has(event.eventKey)) unique.set(event.eventKey, { event, partition: partitions[i] ?? -1 });
  });
  const rows = [...unique.values()].map(({ event, partition }) => caseEventRow(event, partition));
  const read = (result: pg.QueryResult): StoredCaseEvent[] => {
    const stored = new Map(
      (result.rows as { event_key: string; event_id: string; case_id: string }[]).map((row) => [
        row.event_key,
        row,
      ]),
    );
    const out: StoredCaseEvent[] = [];
    for (const [key, { event, partition }] of unique) {
      const row = stored.get(key);
      if (row !== undefined)
        out.push({ event, eventId: Number(row.event_id), caseId: Number(row.case_id), partition });
    }
    return out;
  };
  const input = jsonbLiteral(client, jsonForPostgres(rows));
  const sql =
    preparing && preparedOn.has(client) ? `EXECUTE ${PREPARED_NAME}(${input})` : storeAndFold(input);
  return { sql, read };
}
