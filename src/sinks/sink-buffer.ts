/**
 * Batching and backpressure in front of a BatchWriter. Rows collect in a pending batch, which is written when
 * it reaches `batchMaxRows`, its first row is `flushIntervalMs` old, or it holds an alert or a case event (they
 * are published only after their commit, so they do not wait). One write is in flight at a time, so
 * batches commit in order and offsets only move forward. While a write is in flight (or retrying because
 * Postgres is down) the pending batch keeps filling, up to `maxBufferedRows` rows in all; then `hasCapacity()`
 * is false and the worker stops pulling from JetStream, so memory stays bounded and nothing is dropped. Under
 * such a backlog the next batch is larger than `batchMaxRows`, which is what a catching-up COPY wants.
 */
import type { Logger } from 'pino';
import type { AlertMessage, CaseEvent } from '../windows/index.js';
import type { Batch, BatchStats, BatchWriter, CallRecordRow, DeadLetterRow } from './batch-types.js';
import { EncodedCallRecords } from './encoded-call-records.js';
import { SinkClosedError } from './sink-errors.js';

export interface SinkBufferOptions {
  writer: BatchWriter;
  /** Rows that make a batch due at once. @default 5_000 */
  batchMaxRows?: number;
  /** Age of a batch's first row that makes it due. @default 250 */
  flushIntervalMs?: number;
  /** Rows held (pending plus in flight) before `hasCapacity()` turns false. @default 50_000 */
  maxBufferedRows?: number;
  /**
   * Encode call records to COPY text as they are added and hold them off the V8 heap until the commit
   * (encoded-call-records.ts); `batch.records` then holds only the rows that need the row-object path.
   * @default false
   */
  encodeOnArrival?: boolean;
  /**
   * After each commit, with the highest processed sequence per partition that was written (fenced partitions
   * are not in it; `stats.fencedPartitions` names them): ack JetStream up to there. `batch` is what was
   * committed (its alerts and case events are published from here: after the commit, never before).
   */
  onCommitted: (offsets: ReadonlyMap<number, number>, stats: BatchStats, batch: Batch) => void;
  logger: Logger;
}

class PendingBatch implements Batch {
  readonly records: CallRecordRow[] = [];
  readonly encodedRecords: EncodedCallRecords | undefined;
  readonly alerts: AlertMessage[] = [];
  readonly alertPartitions: number[] = [];
  readonly caseEvents: CaseEvent[] = [];
  readonly caseEventPartitions: number[] = [];
  readonly deadLetters: DeadLetterRow[] = [];
  readonly offsets = new Map<number, number>();
  /** Filled when the batch goes in flight: the epoch of every partition this writer holds. */
  readonly epochs = new Map<number, number>();
  /** Wall-clock time of the first add, for the sink-lag gauge. */
  firstAddedAtMs = 0;

  constructor(encode: boolean) {
    this.encodedRecords = encode ? new EncodedCallRecords() : undefined;
  }

  get rows(): number {
    return (
      this.records.length +
      (this.encodedRecords?.rows ?? 0) +
      this.alerts.length +
      this.caseEvents.length +
      this.deadLetters.length
    );
  }

  get isEmpty(): boolean {
    return this.rows === 0 && this.offsets.size === 0;
  }

  advance(partition: number, streamSeq: number): void {
    if (streamSeq > (this.offsets.get(partition) ?? -1)) this.offsets.set(partition, streamSeq);
  }
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

export class SinkBuffer {
  private readonly writer: BatchWriter;
  private readonly batchMaxRows: number;
  private readonly flushIntervalMs: number;
  private readonly maxBufferedRows: number;
  private readonly onCommitted: SinkBufferOptions['onCommitted'];
  private readonly logger: Logger;
  private readonly encodeOnArrival: boolean;

  private pending: PendingBatch;
  /** Lease epoch per partition this buffer writes for (see `Batch.epochs`). */
  private readonly epochs = new Map<number, number>();
  /** Generation number of `pending`; a batch keeps its number when it goes in flight. */
  private pendingGeneration = 1;
  private committedGeneration = 0;
  private inFlightRows = 0;
  private inFlightSinceMs = 0;
  private inFlight = false;
  private flushRequested = false;
  private soonScheduled = false;
  private ageTimer: NodeJS.Timeout | undefined;
  private aged = false;
  private readonly flushWaiters: (Waiter & { generation: number })[] = [];
  private readonly capacityWaiters: Waiter[] = [];
  private closing: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(options: SinkBufferOptions) {
    this.writer = options.writer;
    this.batchMaxRows = options.batchMaxRows ?? 5_000;
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
    this.maxBufferedRows = options.maxBufferedRows ?? 50_000;
    if (!Number.isInteger(this.batchMaxRows) || this.batchMaxRows < 1) {
      throw new RangeError('options.batchMaxRows must be a positive integer');
    }
    if (!(this.flushIntervalMs >= 0))
      throw new RangeError('options.flushIntervalMs must be a non-negative number');
    if (!Number.isInteger(this.maxBufferedRows) || this.maxBufferedRows < this.batchMaxRows) {
      throw new RangeError('options.maxBufferedRows must be an integer of at least options.batchMaxRows');
    }
    this.onCommitted = options.onCommitted;
    this.logger = options.logger;
    this.encodeOnArrival = options.encodeOnArrival ?? false;
    this.pending = new PendingBatch(this.encodeOnArrival);
  }

  /** Adds a call record; its (partition, streamSeq) counts as processed once the batch commits. */
  addRecord(row: CallRecordRow): void {
    this.throwIfClosed('addRecord');
    if (this.pending.encodedRecords?.add(row) !== true) this.pending.records.push(row);
    this.pending.advance(row.partition, row.streamSeq);
    this.added();
  }

  /** Adds an alert derived from `partition`'s records (it is left out with them if the partition is fenced). */
  addAlert(alert: AlertMessage, partition = -1): void {
    this.throwIfClosed('addAlert');
    this.pending.alerts.push(alert);
    this.pending.alertPartitions.push(partition);
    this.added();
    this.soon();
  }

  /**
   * Adds a case event derived from `partition`'s records: stored and folded into its case with the batch, left
   * out with the partition's rows if it is fenced, published only after the commit.
   */
  addCaseEvent(event: CaseEvent, partition: number): void {
    this.throwIfClosed('addCaseEvent');
    this.pending.caseEvents.push(event);
    this.pending.caseEventPartitions.push(partition);
    this.added();
    this.soon();
  }

  /** Writes for `partition` from now on carry this lease epoch; a newer owner's claim fences them. */
  setEpoch(partition: number, epoch: number): void {
    this.epochs.set(partition, epoch);
  }

  addDeadLetter(row: DeadLetterRow): void {
    this.throwIfClosed('addDeadLetter');
    this.pending.deadLetters.push(row);
    this.pending.advance(row.partition, row.streamSeq);
    this.added();
  }

  /** The message (partition, seq) is fully processed even if it produced no row (duplicate, replay): offsets advance. */
  markProcessed(partition: number, streamSeq: number): void {
    this.throwIfClosed('markProcessed');
    this.pending.advance(partition, streamSeq);
    this.added();
  }

  /** Rows not yet committed: pending plus in flight. */
  get bufferedRows(): number {
    return this.pending.rows + this.inFlightRows;
  }

  /**
   * Wall-clock epoch ms at which the oldest uncommitted row (or processed mark) was added; undefined when
   * everything is committed. `now - this` is the sink lag.
   */
  get oldestUncommittedAtMs(): number | undefined {
    if (this.inFlight) return this.inFlightSinceMs;
    return this.pending.isEmpty ? undefined : this.pending.firstAddedAtMs;
  }

  hasCapacity(): boolean {
    return this.bufferedRows < this.maxBufferedRows;
  }

  /** Resolves once `hasCapacity()` is true; rejects if the buffer fails or closes first. */
  waitForCapacity(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.hasCapacity()) return Promise.resolve();
    return new Promise((resolve, reject) => this.capacityWaiters.push({ resolve, reject }));
  }

  /** Resolves when everything added so far is committed (and `onCommitted` has run for it). */
  flush(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    let generation: number;
    if (!this.pending.isEmpty) generation = this.pendingGeneration;
    else if (this.inFlight) generation = this.pendingGeneration - 1;
    else return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.flushWaiters.push({ generation, resolve, reject });
      if (generation === this.pendingGeneration) {
        this.flushRequested = true;
        this.startIfDue();
      }
    });
  }

  /**
   * Flushes, then refuses further rows and stops the timer. Does not close the writer (its owner does). With
   * Postgres down this waits as long as the writer retries: on shutdown race it against a deadline, then
   * close the writer, which makes this reject — the uncommitted rows were never acked, so JetStream keeps them.
   */
  close(): Promise<void> {
    this.closing ??= this.flush().finally(() => this.stopTimer());
    return this.closing;
  }

  private added(): void {
    if (this.pending.firstAddedAtMs === 0) this.pending.firstAddedAtMs = Date.now();
    if (this.ageTimer === undefined && !this.aged) {
      this.ageTimer = setTimeout(() => {
        this.ageTimer = undefined;
        this.aged = true;
        this.startIfDue();
      }, this.flushIntervalMs);
      this.ageTimer.unref();
    }
    if (this.pending.rows >= this.batchMaxRows) this.startIfDue();
  }

  /**
   * Alerts and case events are published only after their batch commits, so they do not wait for the batch to
   * age: the batch is committed as soon as the current turn of the event loop (the rest of this pull) is done,
   * or right after the write in flight.
   */
  private soon(): void {
    if (this.soonScheduled) return;
    this.soonScheduled = true;
    setImmediate(() => {
      this.soonScheduled = false;
      if (this.pending.isEmpty || this.failure !== undefined) return;
      this.flushRequested = true;
      this.startIfDue();
    });
  }

  private startIfDue(): void {
    if (this.inFlight || this.failure !== undefined || this.pending.isEmpty) return;
    if (!(this.aged || this.flushRequested || this.pending.rows >= this.batchMaxRows)) return;
    const batch = this.pending;
    for (const [partition, epoch] of this.epochs) batch.epochs.set(partition, epoch);
    const generation = this.pendingGeneration;
    this.pending = new PendingBatch(this.encodeOnArrival);
    this.pendingGeneration += 1;
    this.stopTimer();
    this.aged = false;
    this.flushRequested = false;
    this.inFlight = true;
    this.inFlightRows = batch.rows;
    this.inFlightSinceMs = batch.firstAddedAtMs;
    this.writer.write(batch).then(
      (stats) => this.committed(batch, generation, stats),
      (error: unknown) => this.failed(error),
    );
  }

  private committed(batch: PendingBatch, generation: number, stats: BatchStats): void {
    this.inFlight = false;
    this.inFlightRows = 0;
    this.committedGeneration = generation;
    let offsets: ReadonlyMap<number, number> = batch.offsets;
    if (stats.fencedPartitions.length > 0) {
      const committed = new Map(batch.offsets);
      // The epoch stays: rows of the fenced run still buffered (added while this batch was in flight) must be
      // refused too. Without an epoch they would commit unchecked, and their offset would pass the rows this
      // batch dropped, which the new owner would then skip as written. A new claim here replaces the epoch.
      for (const partition of stats.fencedPartitions) committed.delete(partition);
      offsets = committed;
    }
    try {
      this.onCommitted(offsets, stats, batch);
    } catch (error) {
      this.logger.error({ err: error }, 'sink onCommitted callback threw');
    }
    for (let i = this.flushWaiters.length - 1; i >= 0; i -= 1) {
      const waiter = this.flushWaiters[i]!;
      if (waiter.generation <= this.committedGeneration) {
        this.flushWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
    if (this.hasCapacity()) for (const waiter of this.capacityWaiters.splice(0)) waiter.resolve();
    // Rows that arrived meanwhile: their timer may already have fired, or they may fill a batch.
    if (!this.pending.isEmpty) this.added();
    this.startIfDue();
  }

  private failed(error: unknown): void {
    this.inFlight = false;
    this.failure = error instanceof Error ? error : new SinkClosedError('write', { cause: error });
    this.stopTimer();
    // A closed writer is the normal end of a shutdown that ran out of time; anything else is a bug.
    const level = this.failure instanceof SinkClosedError ? 'warn' : 'error';
    this.logger[level](
      { err: this.failure },
      'sink batch write failed; buffer stopped (batch not committed, not acked)',
    );
    for (const waiter of this.flushWaiters.splice(0)) waiter.reject(this.failure);
    for (const waiter of this.capacityWaiters.splice(0)) waiter.reject(this.failure);
  }

  private stopTimer(): void {
    if (this.ageTimer !== undefined) clearTimeout(this.ageTimer);
    this.ageTimer = undefined;
  }

  private throwIfClosed(what: string): void {
    if (this.failure !== undefined) throw new SinkClosedError(what, { cause: this.failure });
    if (this.closing !== undefined) throw new SinkClosedError(what);
  }
}
