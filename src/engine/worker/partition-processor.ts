/**
 * Everything one partition needs on the per-message hot path: decode → dedup → windows and rules → sink rows,
 * alerts, case events and dead letters. One detection engine per partition keeps replays deterministic: a caller's
 * results depend only on its own partition's order, whatever the interleaving with other partitions.
 */
import type { JsMsg } from '@nats-io/jetstream';
import { callRecordRow, type SinkBuffer } from '../../sinks/index.js';
import { decodeCdr } from '../../codec/index.js';
import {
  SENTINEL_HEADERS,
  headerNeedle,
  peekHeader,
  deliveryPosition,
  readDeliveryPosition,
  type DeliveryPosition,
} from '../../stream/index.js';
import type { WorkerMetricsRecorder } from '../../metrics/index.js';
import {
  DetectionEngine,
  SnapshotError,
  defaultFeedDelayMs,
  toAlertMessage,
  type AlertEvent,
  type CallerStats,
  type RuleSettings,
  type WindowEngineOptions,
} from '../../windows/index.js';
import type { PartitionCheckpoint } from './checkpoint-files.js';
import { RecentIds } from './recent-ids.js';
import { UncommittedQueue } from './uncommitted-queue.js';
import { SeqWaiters } from './seq-waiters.js';
import type { SourceStats } from './source-stats.js';

export interface PartitionProcessorDeps {
  sink: SinkBuffer;
  metrics: WorkerMetricsRecorder;
  sources: SourceStats;
  publishDeadLetter(
    raw: Uint8Array,
    reason: string,
    field: string | undefined,
    subject: string,
    seq: number,
  ): void;
  workerId: number;
}

const REPLAY_OF_NEEDLE = headerNeedle(SENTINEL_HEADERS.replayOf);

/**
 * The `dead_letters.id` a replayed record came from (`sentinel dlq replay` sets `Sentinel-Replay-Of`), so the
 * sink stores it at most once. Read only for records about to be written, and without decoding the header
 * block (peekHeader: decoding it would cost ~8 µs on every CDR for a header almost none carry).
 */
function replayedDeadLetter(msg: JsMsg): number | undefined {
  const value = peekHeader(msg, SENTINEL_HEADERS.replayOf, REPLAY_OF_NEEDLE);
  if (value === undefined) return undefined;
  const id = Number(value);
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

export class PartitionProcessor {
  private readonly engine: DetectionEngine;
  private readonly recentIds: RecentIds;
  private readonly alertsOut: AlertEvent[] = [];
  /** Where the message being handled sits, when the caller did not read it (`handle`'s default). */
  private readonly position: DeliveryPosition = deliveryPosition();
  /** Highest stream sequence handled; a redelivery at or below it is already in the sink buffer. */
  private lastSeq = 0;
  /** Messages handled but not yet committed, oldest first (for the sink-lag gauge). */
  private readonly uncommitted = new UncommittedQueue();
  /** Requests waiting for a sequence to be applied to the windows. */
  private readonly applied = new SeqWaiters();
  lastEventTimeMs = 0;
  /** Live CDRs run through the windows and rules so far (replays excluded): the detection heartbeat. */
  evaluated = 0;

  /** Checkpoints waiting for Postgres to commit the sequence they reflect. */
  private readonly committed = new SeqWaiters();

  /**
   * @param restored a checkpoint whose sequence is at or below `committedSeq`: the processor resumes from it
   *   (throws `SnapshotError` when its engine snapshot does not fit `engineOptions`).
   */
  constructor(
    readonly partition: number,
    engineOptions: WindowEngineOptions,
    rules: RuleSettings,
    dedupCapacity: number,
    /** Highest sequence already committed to Postgres: messages at or below it only rebuild state. */
    private committedSeq: number,
    private readonly deps: PartitionProcessorDeps,
    restored?: PartitionCheckpoint,
  ) {
    if (restored === undefined) {
      this.engine = new DetectionEngine(engineOptions, rules);
      this.recentIds = new RecentIds(dedupCapacity);
      return;
    }
    if (restored.seq > committedSeq)
      throw new RangeError(`checkpoint at ${restored.seq} is ahead of the committed offset ${committedSeq}`);
    this.engine = DetectionEngine.restore(restored.engine, rules);
    const { windowsMs, allowedLatenessMs, feedDelayMs } = this.engine.windowOptions();
    if (
      allowedLatenessMs !== engineOptions.allowedLatenessMs ||
      feedDelayMs !== (engineOptions.feedDelayMs ?? defaultFeedDelayMs(engineOptions.allowedLatenessMs)) ||
      windowsMs.length !== engineOptions.windowsMs.length ||
      windowsMs.some((w, k) => w !== engineOptions.windowsMs[k])
    )
      throw new SnapshotError('the checkpoint was taken with other windows, lateness or feed delay');
    this.recentIds = RecentIds.from(dedupCapacity, restored.recentIds);
    this.lastSeq = restored.seq;
  }

  get handledSeq(): number {
    return this.lastSeq;
  }

  /**
   * The partition's state as of the last handled message, for a checkpoint. Synchronous, so no message
   * slips in between; write it only once `waitCommitted(seq)` resolves (a checkpoint must never be ahead of
   * what Postgres holds).
   */
  checkpoint(takenAtMs: number, stream: string): PartitionCheckpoint {
    return {
      partition: this.partition,
      stream,
      seq: this.lastSeq,
      takenAtMs,
      recentIds: this.recentIds.toArray(),
      engine: this.engine.snapshot(),
    };
  }

  /** Resolves true once Postgres committed everything up to `seq`, false after `timeoutMs`. */
  waitCommitted(seq: number, timeoutMs: number): Promise<boolean> {
    return seq <= this.committedSeq ? Promise.resolve(true) : this.committed.wait(seq, timeoutMs);
  }

  /** Handles one message synchronously; `position`: where it sits, when the caller has read it already. */
  handle(msg: JsMsg, position: DeliveryPosition = readDeliveryPosition(msg, this.position)): void {
    const { seq, storedMs } = position;
    if (seq <= this.lastSeq) return; // redelivered while waiting for a commit: already buffered
    this.lastSeq = seq;
    const replayOnly = seq <= this.committedSeq;
    const { sink, metrics } = this.deps;
    if (!replayOnly) this.uncommitted.push(seq, storedMs);
    metrics.inc('sentinel_records_consumed_total', { phase: replayOnly ? 'replay' : 'live' });
    if (replayOnly) metrics.inc('sentinel_replay_records_total');

    const decoded = decodeCdr(msg.data);
    if (!decoded.ok) {
      if (replayOnly) return this.applied.release(seq);
      metrics.inc('sentinel_cdr_ingestion_errors_total', { reason: decoded.reason });
      this.deps.sources.rejected(msg.data, decoded.reason);
      this.deps.publishDeadLetter(msg.data, decoded.reason, decoded.field, msg.subject, seq);
      sink.addDeadLetter({
        reason: decoded.reason,
        field: decoded.field,
        message: decoded.message,
        subject: msg.subject,
        partition: this.partition,
        streamSeq: seq,
        raw: msg.data,
      });
      return this.applied.release(seq);
    }
    const cdr = decoded.cdr;
    // An unusable optional field is left out of the record, not the record out of the stream; count it.
    if (!replayOnly && decoded.dropped.length > 0) {
      for (const { field, reason } of decoded.dropped)
        metrics.inc('sentinel_cdr_fields_dropped_total', { field, reason });
    }
    if (!this.recentIds.add(cdr.callId)) {
      if (!replayOnly) {
        metrics.inc('sentinel_cdr_records_duplicate_total');
        sink.markProcessed(this.partition, seq);
      }
      return this.applied.release(seq);
    }
    const alerts = this.alertsOut;
    alerts.length = 0;
    // Wall time bounds the partition clock (ADR 0011): the stream's stored timestamp, so a replay after a restart
    // sees the same arrival times, and decides, exactly as the live run did.
    const outcome = this.engine.process(
      cdr.caller,
      cdr.callee,
      cdr.startMs,
      cdr.durationSeconds,
      alerts,
      storedMs,
    );
    if (cdr.startMs > this.lastEventTimeMs) this.lastEventTimeMs = cdr.startMs;
    // Alerts and case events re-derived here were committed with their batch before: suppress them.
    if (replayOnly) return this.applied.release(seq);

    this.evaluated++;
    const late = outcome === 'late';
    if (late) metrics.inc('sentinel_late_records_total');
    this.deps.sources.accepted(cdr, late);
    const replayOf = replayedDeadLetter(msg);
    sink.addRecord(callRecordRow(cdr, this.partition, seq, late, replayOf));
    if (alerts.length > 0) this.emitAlerts(alerts, storedMs);
    // Case events go to Postgres with the batch (the sink publishes them once committed).
    for (const event of this.engine.lastCaseEvents) sink.addCaseEvent(event, this.partition);
    this.applied.release(seq);
  }

  /** `storedMs`: the stream's stored timestamp, when the switch's publish landed — the honest start of the latency. */
  private emitAlerts(alerts: readonly AlertEvent[], storedMs: number): void {
    const nowMs = Date.now();
    const eventToAlertMs = Math.max(0, Math.round(nowMs - storedMs));
    for (const event of alerts) {
      const message = toAlertMessage(event, nowMs, eventToAlertMs);
      // Published by the sink once its batch is committed (committed-publisher.ts), never before.
      this.deps.sink.addAlert(message, this.partition);
      this.deps.metrics.inc('sentinel_alerts_generated_total', {
        rule: event.rule,
        severity: event.severity,
      });
      this.deps.metrics.inc('sentinel_alerts_by_severity_total', { severity: event.severity });
      this.deps.metrics.recordEventToAlert(eventToAlertMs / 1_000);
    }
  }

  /** Resolves every pending `waitCommitted` with false (shutdown). */
  cancelCommitWaits(): void {
    this.committed.cancel();
  }

  /**
   * Called after the sink committed everything up to `seq` for this partition. Nothing is acked to JetStream:
   * the consumer is AckNone, and `sink_offsets` is where progress is kept.
   */
  markCommitted(seq: number): void {
    if (seq > this.committedSeq) this.committedSeq = seq;
    this.committed.release(this.committedSeq);
    this.uncommitted.release(seq);
  }

  /** Stored time of the oldest message not yet committed, or +Infinity when none is waiting. */
  oldestUncommittedMs(): number {
    return this.uncommitted.oldestStoredMs();
  }

  waitApplied(seq: number, timeoutMs: number): Promise<boolean> {
    return seq <= this.lastSeq ? Promise.resolve(true) : this.applied.wait(seq, timeoutMs);
  }

  setRules(rules: RuleSettings): void {
    this.engine.setRules(rules);
  }

  /** The caller's live windows and open episodes; undefined when it holds nothing. */
  callerStats(caller: number): CallerStats | undefined {
    return this.engine.callerStats(caller);
  }

  footprint(): { callers: number; eventsHeld: number; bytes: number } {
    const { callers, eventsHeld, bytes } = this.engine.footprint();
    return { callers, eventsHeld, bytes };
  }
}
