/**
 * A shard worker's side of the partition checkpoints (ADR 0006): restoring a partition's processor when the
 * worker takes the partition, writing every partition's checkpoint each interval, a final one when the
 * partition is handed off or the worker stops, and how old they are.
 */
import type { Logger } from 'pino';
import type { WorkerMetricsRecorder } from '../../metrics/index.js';
import type { CheckpointStore, PartitionCheckpoint } from './checkpoint-format.js';
import type { PartitionProcessor } from './partition-processor.js';

/** At shutdown the sink has just committed: a checkpoint either is committed at once or is skipped. */
const STOP_COMMIT_WAIT_MS = 1_000;

interface Tracked {
  processor: PartitionProcessor;
  /** Identity of the stream the partition's sequence numbers belong to. */
  stream: string;
  /** Sequence of the checkpoint on disk (0: none). */
  seq: number;
  /** When the checkpoint on disk was last known current; undefined while there is none. */
  atMs: number | undefined;
}

export interface CheckpointerOptions {
  store: CheckpointStore;
  /** CHECKPOINT_INTERVAL. */
  intervalMs: number;
  metrics: WorkerMetricsRecorder;
  logger: Logger;
}

export class PartitionCheckpointer {
  private readonly partitions = new Map<number, Tracked>();
  private readonly startedAtMs = Date.now();
  /** Resolves when the previous partition's restore is done (see `restore`). */
  private restoreTurn: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopping = false;

  private readonly store: CheckpointStore;
  private readonly intervalMs: number;
  private readonly metrics: WorkerMetricsRecorder;
  private readonly logger: Logger;

  constructor(options: CheckpointerOptions) {
    this.store = options.store;
    this.intervalMs = options.intervalMs;
    this.metrics = options.metrics;
    this.logger = options.logger;
  }

  /**
   * The partition's processor: `make(checkpoint)` when its checkpoint is usable and restores, else `make()`
   * (the 24 h replay). Partitions take turns: a file is about the size of the state it rebuilds, so restoring
   * all at once would briefly need twice the window memory.
   */
  async restore(
    partition: number,
    committedSeq: number,
    /** Identity of the stream the partition is read from now: a checkpoint of another is refused. */
    stream: string,
    make: (restored?: PartitionCheckpoint) => PartitionProcessor,
    logger: Logger,
  ): Promise<PartitionProcessor> {
    const turn = this.restoreTurn;
    let done = (): void => undefined;
    this.restoreTurn = new Promise<void>((resolve) => (done = resolve));
    await turn;
    try {
      const checkpoint = await this.usable(partition, committedSeq, stream, logger);
      let processor: PartitionProcessor | undefined;
      let restoredAtMs: number | undefined;
      if (checkpoint !== undefined) {
        try {
          processor = make(checkpoint);
          restoredAtMs = checkpoint.takenAtMs;
          this.metrics.inc('sentinel_checkpoint_restores_total', { result: 'restored' });
          logger.info(
            { seq: checkpoint.seq, takenAt: new Date(checkpoint.takenAtMs).toISOString(), committedSeq },
            'partition state restored from its checkpoint; replaying the tail',
          );
        } catch (error) {
          this.metrics.inc('sentinel_checkpoint_restores_total', { result: 'unusable' });
          logger.warn({ err: error }, 'checkpoint cannot be restored; replaying the last 24 h instead');
        }
      }
      processor ??= make();
      this.partitions.set(partition, { processor, stream, seq: processor.handledSeq, atMs: restoredAtMs });
      return processor;
    } finally {
      done();
    }
  }

  /** The partition's checkpoint when it can be used; counts and logs why not otherwise. */
  private async usable(
    partition: number,
    committedSeq: number,
    stream: string,
    logger: Logger,
  ): Promise<PartitionCheckpoint | undefined> {
    let checkpoint: PartitionCheckpoint | undefined;
    try {
      checkpoint = await this.store.read(partition);
    } catch (error) {
      this.metrics.inc('sentinel_checkpoint_restores_total', { result: 'unusable' });
      logger.warn({ err: error }, 'checkpoint unreadable; replaying the last 24 h instead');
      return undefined;
    }
    if (checkpoint === undefined) {
      this.metrics.inc('sentinel_checkpoint_restores_total', { result: 'absent' });
      return undefined;
    }
    if (checkpoint.stream !== stream) {
      this.metrics.inc('sentinel_checkpoint_restores_total', { result: 'unusable' });
      logger.warn(
        { checkpointStream: checkpoint.stream, stream },
        'checkpoint belongs to another CDR stream (deleted and created again?); replaying the last 24 h instead',
      );
      return undefined;
    }
    if (checkpoint.seq > committedSeq) {
      // Postgres holds less than the checkpoint saw (a restored database, reset offsets): the state would
      // run ahead of the rows, so rebuild it from the stream.
      this.metrics.inc('sentinel_checkpoint_restores_total', { result: 'unusable' });
      logger.warn(
        { seq: checkpoint.seq, committedSeq },
        'checkpoint is ahead of the committed offset; replaying the last 24 h instead',
      );
      return undefined;
    }
    return checkpoint;
  }

  /** Checkpoints every partition every interval; a round still running skips the next tick. */
  start(): void {
    this.timer = setInterval(() => {
      this.round ??= this.writeAll(this.intervalMs).finally(() => {
        this.round = undefined;
      });
    }, this.intervalMs);
  }

  /** Age of the oldest partition checkpoint (since start for a partition without one), seconds. */
  oldestAgeSeconds(): number {
    let oldestMs = Date.now();
    for (const tracked of this.partitions.values())
      oldestMs = Math.min(oldestMs, tracked.atMs ?? this.startedAtMs);
    return (Date.now() - oldestMs) / 1_000;
  }

  /**
   * A final checkpoint of one partition that is being handed off (call once the sink has committed its last
   * rows), then stops tracking it: the next owner restores from here and replays nothing.
   */
  async finalize(partition: number): Promise<void> {
    const tracked = this.partitions.get(partition);
    if (tracked === undefined) return;
    this.partitions.delete(partition);
    tracked.processor.cancelCommitWaits();
    await this.writeOne(partition, tracked, STOP_COMMIT_WAIT_MS);
  }

  /** Stops tracking a partition without writing (its lease was lost: its state may be stale). */
  forget(partition: number): void {
    this.partitions.get(partition)?.processor.cancelCommitWaits();
    this.partitions.delete(partition);
  }

  /**
   * Call once the sink has made its final commit: ends the periodic round (one still waiting for a commit
   * that will not come gives up now) and writes a current checkpoint of every partition, so a planned restart
   * resumes from here.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    for (const tracked of this.partitions.values()) tracked.processor.cancelCommitWaits();
    await this.round?.catch(() => undefined);
    const startedAt = performance.now();
    await this.writeAll(STOP_COMMIT_WAIT_MS).catch((error: unknown) =>
      this.logger.error({ err: error }, 'final checkpoints failed'),
    );
    this.logger.info({ ms: Math.round(performance.now() - startedAt) }, 'final checkpoints written');
  }

  /**
   * Checkpoints the partitions one after another, so at most one snapshot is held in memory. A snapshot is
   * written only once Postgres committed everything it reflects; one that does not get there within
   * `commitWaitMs` (a sink outage) is dropped and the next round tries again.
   */
  private async writeAll(commitWaitMs: number): Promise<void> {
    for (const [partition, tracked] of this.partitions) {
      if (this.stopping && commitWaitMs > STOP_COMMIT_WAIT_MS) return; // a periodic round, overtaken by stop()
      await this.writeOne(partition, tracked, commitWaitMs);
    }
  }

  private async writeOne(partition: number, tracked: Tracked, commitWaitMs: number): Promise<void> {
    const { processor } = tracked;
    if (processor.handledSeq === tracked.seq) {
      tracked.atMs = Date.now(); // nothing new: the stored checkpoint is current
      return;
    }
    const startedAt = performance.now();
    const takenAtMs = Date.now();
    const checkpoint = processor.checkpoint(takenAtMs, tracked.stream);
    if (!(await processor.waitCommitted(checkpoint.seq, commitWaitMs))) {
      this.metrics.inc('sentinel_checkpoints_written_total', { result: 'uncommitted' });
      return;
    }
    try {
      const bytes = await this.store.write(checkpoint);
      tracked.seq = checkpoint.seq;
      tracked.atMs = takenAtMs;
      this.metrics.inc('sentinel_checkpoints_written_total', { result: 'ok' });
      this.metrics.observe('sentinel_checkpoint_write_seconds', (performance.now() - startedAt) / 1_000);
      this.logger.debug({ partition, seq: checkpoint.seq, bytes }, 'checkpoint written');
    } catch (error) {
      this.metrics.inc('sentinel_checkpoints_written_total', { result: 'error' });
      this.logger.error({ err: error, partition }, 'checkpoint write failed');
    }
  }
}
