/**
 * One batch, one transaction: lock the partitions' offsets, drop rows at or below them, claim replayed records
 * in `dead_letter_replays`, COPY call records and dead letters, then in one closing request
 * (closing-statement.ts) insert alerts (ON CONFLICT DO NOTHING), store case events and fold them into `cases`
 * (case-events-commit.ts), advance the offsets and commit. Because the offsets move in the same transaction as
 * the rows, a batch is stored exactly once however often it is retried — even when a COMMIT succeeded but its
 * reply was lost, the retry finds the offsets advanced and writes nothing.
 */
import type pg from 'pg';
import type { CaseEvent } from '../windows/index.js';
import { insertAlertsStatement, type PartitionedAlert } from './alert-store.js';
import type { Batch, CallRecordRow, DeadLetterRow, StoredCaseEvent } from './batch-types.js';
import { checkCaseEvent, rejectedCaseEventLetter } from './case-event-rows.js';
import {
  preparedStatementLost,
  prepareStoreAndFold,
  storeCaseEventsStatement,
} from './case-events-commit.js';
import type { ClosingStatement } from './closing-statement.js';
import { copyRows } from './copy-rows.js';
import {
  CALL_RECORD_COPY_COLUMNS,
  DEAD_LETTER_COPY_COLUMNS,
  encodeCallRecord,
  encodeDeadLetter,
} from './copy-text.js';
import {
  checkAlert,
  checkCallRecord,
  hasStreamPosition,
  rejectedAlertLetter,
  rejectedRecordLetter,
} from './row-checks.js';

export interface CommitResult {
  fencedPartitions: number[];
  recordsWritten: number;
  recordsSkipped: number;
  recordsRejected: number;
  replaysDuplicate: number;
  deadLettersWritten: number;
  deadLettersSkipped: number;
  alertsInserted: number;
  alertsDuplicate: number;
  insertedAlertIds: Map<string, number>;
  caseEventsInserted: number;
  /** Case events whose `event_key` was already stored. */
  caseEventsDuplicate: number;
  /** The case events this batch stored, in batch order: what is published after the commit. */
  storedCaseEvents: StoredCaseEvent[];
}

/** Partition → highest sequence in the batch: its declared offsets plus every row's own position. */
export function batchOffsets(batch: Batch): Map<number, number> {
  const offsets = new Map<number, number>();
  const fold = (partition: number, seq: number): void => {
    if (!hasStreamPosition(partition, seq)) return;
    if (seq > (offsets.get(partition) ?? -1)) offsets.set(partition, seq);
  };
  for (const [partition, seq] of batch.offsets) fold(partition, seq);
  for (const row of batch.records) fold(row.partition, row.streamSeq);
  batch.encodedRecords?.forEachPosition(fold);
  for (const row of batch.deadLetters) fold(row.partition, row.streamSeq);
  return offsets;
}

/**
 * Keeps a row only when its sequence is above everything already committed or kept for its partition: the
 * offsets' own rule, so replays, redeliveries and a row repeated within the batch all drop out. Rows without
 * a valid position cannot be tracked and always pass.
 */
function aboveFloor<T extends { partition: number; streamSeq: number }>(
  rows: readonly T[],
  committed: ReadonlyMap<number, number>,
): T[] {
  const floor = new Map(committed);
  return rows.filter((row) => {
    if (!hasStreamPosition(row.partition, row.streamSeq)) return true;
    if (row.streamSeq <= (floor.get(row.partition) ?? 0)) return false;
    floor.set(row.partition, row.streamSeq);
    return true;
  });
}

/**
 * Statements are sent as literal SQL in the simple protocol so that one round trip carries several of them
 * (BEGIN with the lock; alerts, case events, the offset advance and COMMIT): on a busy two-core box each round
 * trip costs milliseconds per batch. Only validated integers and `escapeLiteral` output are interpolated.
 */
function intArray(values: Iterable<number>): string {
  return `'{${[...values].join(',')}}'::int[]`;
}

interface LockedOffset {
  lastSeq: number;
  epoch: number;
}

/** BEGIN, then make sure each partition's row exists and lock them all in partition order (no deadlocks). */
async function beginAndLockOffsets(
  client: pg.ClientBase,
  consumer: string,
  partitions: readonly number[],
): Promise<Map<number, LockedOffset>> {
  if (partitions.length === 0) {
    await client.query('BEGIN');
    return new Map();
  }
  // DO UPDATE (to the same value) rather than DO NOTHING: it locks existing rows and RETURNs them too.
  const results = (await client.query(
    `BEGIN;
     INSERT INTO sink_offsets AS o (consumer, partition, last_seq)
     SELECT ${client.escapeLiteral(consumer)}, p, 0 FROM unnest(${intArray(partitions)}) AS p ORDER BY p
     ON CONFLICT (consumer, partition) DO UPDATE SET last_seq = o.last_seq
     RETURNING partition, last_seq, epoch`,
  )) as unknown as pg.QueryResult<{ partition: number; last_seq: string; epoch: string }>[];
  const rows = results[1]?.rows ?? [];
  return new Map(
    rows.map((row) => [row.partition, { lastSeq: Number(row.last_seq), epoch: Number(row.epoch) }]),
  );
}

/** Partitions of the batch whose stored epoch is newer than the one this writer holds them under. */
function fencedIn(batch: Batch, locked: ReadonlyMap<number, LockedOffset>): Set<number> {
  const fenced = new Set<number>();
  if (batch.epochs === undefined) return fenced;
  for (const [partition, epoch] of batch.epochs) {
    const stored = locked.get(partition);
    if (stored !== undefined && stored.epoch > epoch) fenced.add(partition);
  }
  return fenced;
}

/** The batch's alerts with their partitions, without those of fenced partitions. */
function alertsOutside(batch: Batch, fenced: ReadonlySet<number>): PartitionedAlert[] {
  const partitions = batch.alertPartitions;
  const alerts = batch.alerts.map((alert, i) => ({ alert, partition: partitions?.[i] ?? -1 }));
  return fenced.size === 0 ? alerts : alerts.filter(({ partition }) => !fenced.has(partition));
}

/** The batch's case events with their partitions, without those of fenced partitions. */
function caseEventsOutside(
  batch: Batch,
  fenced: ReadonlySet<number>,
): { events: readonly CaseEvent[]; partitions: readonly number[] } {
  const events = batch.caseEvents ?? [];
  const partitions = batch.caseEventPartitions ?? events.map(() => -1);
  if (fenced.size === 0) return { events, partitions };
  const keep = events.map((_event, i) => !fenced.has(partitions[i] ?? -1));
  return {
    events: events.filter((_event, i) => keep[i]),
    partitions: partitions.filter((_partition, i) => keep[i]),
  };
}

/** Splits case events Postgres would refuse out into dead letters (see case-event-rows.ts). */
function screenCaseEvents(
  events: readonly CaseEvent[],
  partitions: readonly number[],
  letters: DeadLetterRow[],
): { events: CaseEvent[]; partitions: number[] } {
  const good: CaseEvent[] = [];
  const goodPartitions: number[] = [];
  events.forEach((event, i) => {
    const problem = checkCaseEvent(event);
    if (problem !== undefined) {
      letters.push(rejectedCaseEventLetter(event, problem));
      return;
    }
    good.push(event);
    goodPartitions.push(partitions[i] ?? -1);
  });
  return { events: good, partitions: goodPartitions };
}

/** Advances the offsets, never backwards (undefined when there are none). */
function advanceOffsetsSql(
  client: pg.ClientBase,
  consumer: string,
  offsets: ReadonlyMap<number, number>,
): string | undefined {
  if (offsets.size === 0) return undefined;
  const literal = client.escapeLiteral(consumer);
  const values = [...offsets]
    .map(([partition, seq]) => `(${literal}, ${partition}, ${seq}, now())`)
    .join(', ');
  return `INSERT INTO sink_offsets AS o (consumer, partition, last_seq, updated_at) VALUES ${values}
     ON CONFLICT (consumer, partition) DO UPDATE
       SET last_seq = GREATEST(o.last_seq, EXCLUDED.last_seq), updated_at = EXCLUDED.updated_at`;
}

/**
 * The closing request, one round trip: insert the alerts, store and fold the case events, advance the offsets,
 * COMMIT. A statement that fails aborts the transaction, so the later ones (COMMIT included) do not run and the
 * request rejects; the caller rolls back.
 */
async function closeBatch<A, C>(
  client: pg.ClientBase,
  alerts: ClosingStatement<A> | undefined,
  cases: ClosingStatement<C> | undefined,
  offsetsSql: string | undefined,
): Promise<{ alerts: A | undefined; cases: C | undefined }> {
  const statements = [alerts?.sql, cases?.sql, offsetsSql, 'COMMIT'].filter(
    (sql): sql is string => sql !== undefined,
  );
  const reply = (await client.query(statements.join(';\n'))) as pg.QueryResult | pg.QueryResult[];
  const results = Array.isArray(reply) ? reply : [reply];
  return {
    alerts: alerts === undefined ? undefined : alerts.read(results[0]!),
    cases: cases === undefined ? undefined : cases.read(results[alerts === undefined ? 0 : 1]!),
  };
}

/** Splits rows Postgres would refuse out into dead letters (see row-checks.ts). */
function screen(records: readonly CallRecordRow[], alerts: readonly PartitionedAlert[]) {
  const goodRecords: CallRecordRow[] = [];
  const goodAlerts: PartitionedAlert[] = [];
  const letters: DeadLetterRow[] = [];
  for (const row of records) {
    const problem = checkCallRecord(row);
    if (problem === undefined) goodRecords.push(row);
    else letters.push(rejectedRecordLetter(row, problem));
  }
  for (const entry of alerts) {
    const problem = checkAlert(entry.alert);
    if (problem === undefined) goodAlerts.push(entry);
    else letters.push(rejectedAlertLetter(entry.alert, problem));
  }
  return { goodRecords, goodAlerts, letters };
}

/**
 * Claims each replayed record's dead letter in `dead_letter_replays` and returns the records to write: every
 * ordinary record, and a replayed one only when its claim is new (a dead letter replayed twice in one batch is
 * claimed once). Runs inside the batch's transaction, so a claim and its record commit or vanish together.
 */
async function claimReplays(
  client: pg.ClientBase,
  records: readonly CallRecordRow[],
): Promise<CallRecordRow[]> {
  const claims = new Map<number, CallRecordRow>();
  for (const row of records)
    if (row.replayOf !== undefined && !claims.has(row.replayOf)) claims.set(row.replayOf, row);
  if (claims.size === 0) return [...records];
  const rows = [...claims.values()];
  const result = await client.query<{ dead_letter_id: string }>(
    `INSERT INTO dead_letter_replays (dead_letter_id, call_id, stream_partition, stream_seq)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::smallint[], $4::bigint[])
     ON CONFLICT (dead_letter_id) DO NOTHING
     RETURNING dead_letter_id`,
    [
      rows.map((row) => row.replayOf),
      rows.map((row) => row.callId),
      rows.map((row) => row.partition),
      rows.map((row) => row.streamSeq),
    ],
  );
  const claimed = new Set(result.rows.map((row) => Number(row.dead_letter_id)));
  return records.filter(
    (row) => row.replayOf === undefined || (claimed.has(row.replayOf) && claims.get(row.replayOf) === row),
  );
}

/**
 * Commits the batch in one transaction on `client` (which must not be in one). The day partitions its records
 * need must already exist. Rolls back and rethrows on any failure; the caller decides about retrying.
 */
export async function commitBatch(
  client: pg.ClientBase,
  consumer: string,
  batch: Batch,
): Promise<CommitResult> {
  const offsets = batchOffsets(batch);
  const partitions = [...offsets.keys()].sort((a, b) => a - b);
  try {
    if ((batch.caseEvents?.length ?? 0) > 0) await prepareStoreAndFold(client);
    const locked = await beginAndLockOffsets(client, consumer, partitions);
    const fenced = fencedIn(batch, locked);
    for (const partition of fenced) offsets.delete(partition);
    const committed = new Map([...locked].map(([partition, offset]) => [partition, offset.lastSeq]));
    const live = <T extends { partition: number }>(rows: readonly T[]): readonly T[] =>
      fenced.size === 0 ? rows : rows.filter((row) => !fenced.has(row.partition));
    const liveRecords = live(batch.records);
    const liveLetters = live(batch.deadLetters);
    const records = aboveFloor(liveRecords, committed);
    const deadLetters = aboveFloor(liveLetters, committed);
    const { goodRecords, goodAlerts, letters } = screen(records, alertsOutside(batch, fenced));
    const encoded = batch.encodedRecords?.select(committed, fenced);
    const liveCases = caseEventsOutside(batch, fenced);
    const caseEvents = screenCaseEvents(liveCases.events, liveCases.partitions, letters);
    const storable = await claimReplays(client, goodRecords);
    const recordsWritten = await copyRows(
      client,
      'call_records',
      CALL_RECORD_COPY_COLUMNS,
      storable,
      encodeCallRecord,
      encoded?.chunks,
    );
    const allLetters = letters.length === 0 ? deadLetters : [...deadLetters, ...letters];
    const deadLettersWritten = await copyRows(
      client,
      'dead_letters',
      DEAD_LETTER_COPY_COLUMNS,
      allLetters,
      encodeDeadLetter,
    );
    const closed = await closeBatch(
      client,
      insertAlertsStatement(client, goodAlerts),
      storeCaseEventsStatement(client, caseEvents.events, caseEvents.partitions),
      advanceOffsetsSql(client, consumer, offsets),
    );
    const insertedAlertIds = closed.alerts ?? new Map<string, number>();
    const storedCaseEvents = closed.cases ?? [];
    return {
      fencedPartitions: [...fenced],
      recordsWritten,
      recordsSkipped: liveRecords.length - records.length + (encoded?.skipped ?? 0),
      recordsRejected: records.length - goodRecords.length,
      replaysDuplicate: goodRecords.length - storable.length,
      deadLettersWritten,
      deadLettersSkipped: liveLetters.length - deadLetters.length,
      alertsInserted: insertedAlertIds.size,
      alertsDuplicate: goodAlerts.length - insertedAlertIds.size,
      insertedAlertIds,
      caseEventsInserted: storedCaseEvents.length,
      caseEventsDuplicate:
        new Set(caseEvents.events.map((event) => event.eventKey)).size - storedCaseEvents.length,
      storedCaseEvents,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (preparedStatementLost(error))
      throw new Error(
        'the prepared case fold is gone from the server (a pooler in transaction mode?); it is sent as plain SQL from now on',
        { cause: error },
      );
    throw error;
  }
}
