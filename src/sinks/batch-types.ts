/**
 * What flows from a shard worker into Postgres. One JetStream message gives at most one row (a call record or
 * a dead letter), identified by its (partition, stream sequence); alerts ride along and are deduplicated by
 * their deterministic `alert_key`.
 */
import type { Cdr } from '../codec/index.js';
import type { AlertMessage, CaseEvent } from '../windows/index.js';
import type { EncodedCallRecords } from './encoded-call-records.js';

/**
 * A valid CDR as stored in `call_records`: the decoded `Cdr` with its numbers as digit strings (no `+`), where
 * it came from in the stream, and whether it was too late to window. `startMs` picks the day partition; `cell`
 * is stored as `location_code`, `cause` as `termination_cause`.
 */
export type CallRecordRow = Omit<Cdr, 'caller' | 'callee' | 'direction'> & {
  caller: string;
  callee: string;
  /** A text column: the sink stores what the codec accepted, it does not re-validate the enum. */
  direction?: string;
  /** Stream partition (`cdr.in.<p>`) the message came from. */
  partition: number;
  /** JetStream stream sequence of the message. */
  streamSeq: number;
  /** Older than the watermark: stored, not windowed. */
  late: boolean;
  /**
   * Set on records replayed from `dead_letters` (header `Sentinel-Replay-Of`): that row's id. The sink stores
   * the record only if no record was stored for this dead letter before (`dead_letter_replays`).
   */
  replayOf?: number;
};

/** A rejected message, stored with its raw bytes and the reason code. */
export interface DeadLetterRow {
  reason: string;
  field: string | undefined;
  message: string;
  subject: string;
  partition: number;
  streamSeq: number;
  raw: Uint8Array;
}

/** One transaction's worth of work. */
export interface Batch {
  records: readonly CallRecordRow[];
  /** Further call records, already encoded to COPY text (SinkBuffer's `encodeOnArrival`). */
  encodedRecords?: EncodedCallRecords | undefined;
  alerts: readonly AlertMessage[];
  /** The partition each alert came from (same order as `alerts`), so a fenced partition's alerts drop out too. */
  alertPartitions?: readonly number[];
  deadLetters: readonly DeadLetterRow[];
  /**
   * Case events derived from this batch's records (deterministic `eventKey`s), stored in `case_events` and folded
   * into `cases` in the same transaction as the rows, and published on NATS only after the commit.
   */
  caseEvents?: readonly CaseEvent[];
  /** The partition each case event came from (same order as `caseEvents`), for fencing. */
  caseEventPartitions?: readonly number[];
  /**
   * Epoch under which this writer owns each partition (its lease's fencing token). A partition whose stored
   * epoch is larger was claimed by a newer owner: its rows, alerts and offset are left out of the commit and
   * reported in `BatchStats.fencedPartitions`. Partitions without an entry are not checked.
   */
  epochs?: ReadonlyMap<number, number>;
  /**
   * Highest stream sequence fully processed per partition, rows or not. Committed to `sink_offsets` in the
   * same transaction as the rows; the writer also folds in the rows' own sequences.
   */
  offsets: ReadonlyMap<number, number>;
}

/** A case event a batch stored (its key was new): what is published after the commit. */
export interface StoredCaseEvent {
  event: CaseEvent;
  /** `case_events.id`, for marking it published (the outbox). */
  eventId: number;
  /** `cases.id`: the case's id in the API and on the live feed. */
  caseId: number;
  /** Stream partition the event was derived from (`case_events.stream_partition`). */
  partition: number;
}

/** What one committed batch did. */
export interface BatchStats {
  recordsWritten: number;
  /** Rows at or below the partition's committed offset (a replay or redelivery): not written again. */
  recordsSkipped: number;
  /** Rows Postgres could not store (e.g. a start outside years 1..9999): written to `dead_letters` instead. */
  recordsRejected: number;
  /** Replayed records whose dead letter already had its record stored: not written again. */
  replaysDuplicate: number;
  deadLettersWritten: number;
  deadLettersSkipped: number;
  alertsInserted: number;
  /** Alerts whose `alert_key` was already stored. */
  alertsDuplicate: number;
  /** `fraud_alerts.id` of each alert inserted by this batch, by `alert_key`. */
  insertedAlertIds: ReadonlyMap<string, number>;
  caseEventsInserted: number;
  /** Case events whose `event_key` was already stored (a replay or a retried batch): not published again. */
  caseEventsDuplicate: number;
  /** The case events this batch stored, in batch order, with their row and case ids. */
  storedCaseEvents: readonly StoredCaseEvent[];
  /** Partitions refused because a newer owner claimed them: nothing of theirs was written. */
  fencedPartitions: readonly number[];
  /** Transaction attempts it took, 1 when nothing failed. */
  attempts: number;
  /** Wall time of the committing attempt (not of the retries before it). */
  commitMs: number;
}

/** Something that commits batches; `PostgresBatchWriter` in production. */
export interface BatchWriter {
  /** Resolves once the batch is committed; rejects only when the writer is closed first. */
  write(batch: Batch): Promise<BatchStats>;
}

export type BreakerState = 'closed' | 'open' | 'half-open';
