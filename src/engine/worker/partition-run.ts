/**
 * One partition inside a shard worker, from the moment the worker takes it until it lets go: its processor
 * (restored from a checkpoint when one is usable), its positioned durable consumer, and the pull loop that
 * feeds one into the other while the sink has room.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import type { SinkBuffer } from '../../sinks/index.js';
import { cdrSubject, partitionConsumerName } from '../../stream/index.js';
import type { RuleSettings } from '../../windows/index.js';
import type { PartitionCheckpoint } from './checkpoint-files.js';
import type { PartitionCheckpointer } from './partition-checkpointer.js';
import { openPartitionConsumer, type PositionedConsumer } from './partition-consumer.js';
import { PartitionProcessor, type PartitionProcessorDeps } from './partition-processor.js';

/**
 * Messages per pull. Not more: with nats.js 3 against nats-server 2.9, a waiting pull for 1,000 messages
 * sometimes held messages that arrived while it waited until the pull expired (at 5,000 CDR/s over 16
 * partitions: 3% of messages over 500 ms late, p99 3.6–4.4 s), while pulls of 500 or 800 delivered every
 * message within 30 ms (`bench/pipeline/pull-batch-latency.ts` reproduces it without the engine).
 */
const FETCH_BATCH = 500;
/**
 * A pull waits this long for messages. Its idle heartbeat is derived from it, and two missed heartbeats fail
 * the pull: much shorter and a busy machine turns that into noise; longer only delays an idle loop's turn.
 */
const FETCH_EXPIRES_MS = 5_000;
/** Retry delay after a failed pull doubles from this up to `FETCH_RETRY_MAX_MS`. */
const FETCH_RETRY_BASE_MS = 100;
const FETCH_RETRY_MAX_MS = 10_000;

export interface PartitionRunContext {
  config: Config;
  consumerGroup: string;
  cdrStream: string;
  /** Partitions this worker runs now: the sink's room is shared between them. */
  partitionCount(): number;
  sink: SinkBuffer;
  processorDeps: PartitionProcessorDeps;
  checkpointer: PartitionCheckpointer | undefined;
  js: JetStreamClient;
  jsm: JetStreamManager;
  logger: Logger;
}

export class PartitionRun {
  /** Messages the server still holds for this partition, as of the last delivery (or consumer info). */
  pending = 0;
  /** Not pulling because the sink is full: `pending` from the last delivery is going stale. */
  stalled = false;
  caughtUp = false;
  private stopping = false;
  /** The pull in progress, stopped at shutdown so the loop does not wait out its expiry. */
  private batch: { stop(): void } | undefined;
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    readonly partition: number,
    readonly processor: PartitionProcessor,
    readonly position: PositionedConsumer,
    private readonly ctx: PartitionRunContext,
  ) {}

  /**
   * Builds the partition's processor (from its checkpoint when there is a usable one) and positions its
   * consumer: after the checkpoint, or at the earlier of the replay start and the committed offset.
   */
  static async open(
    partition: number,
    committedSeq: number,
    rules: RuleSettings,
    replayFromMs: number,
    /** Identity of the stream the partition is read from (checkpoints of another are refused). */
    stream: string,
    /** The lease epoch: the consumer is this owner's own. */
    epoch: number,
    ctx: PartitionRunContext,
  ): Promise<PartitionRun> {
    const { config } = ctx;
    const logger = ctx.logger.child({ partition });
    const make = (restored?: PartitionCheckpoint): PartitionProcessor =>
      new PartitionProcessor(
        partition,
        { windowsMs: config.windowsMs, allowedLatenessMs: config.allowedLatenessMs },
        rules,
        // DEDUP_CAPACITY is shared by all partitions, wherever they run.
        Math.max(1_000, Math.floor(config.dedupCapacity / config.partitions)),
        committedSeq,
        ctx.processorDeps,
        restored,
      );
    const processor =
      ctx.checkpointer === undefined
        ? make()
        : await ctx.checkpointer.restore(partition, committedSeq, stream, make, logger);
    const position = await openPartitionConsumer(
      ctx.js,
      ctx.jsm,
      {
        stream: ctx.cdrStream,
        subject: cdrSubject(partition),
        durableName: partitionConsumerName(ctx.consumerGroup, partition, epoch),
        stalePrefix: partitionConsumerName(ctx.consumerGroup, partition),
        committedSeq,
        replayFromMs,
        ...(processor.handledSeq > 0 ? { resumeAfterSeq: processor.handledSeq } : {}),
        maxAckPending: Math.max(10_000, config.sink.maxBufferedRows * 2),
      },
      logger,
    );
    return new PartitionRun(partition, processor, position, ctx);
  }

  /** Starts pulling; `onProgress` runs when a message at or past the caught-up sequence was handled. */
  start(onProgress: () => void): void {
    this.loop = this.consume(onProgress);
  }

  /** Whether the processor has handled everything that was in the stream when the partition was opened. */
  checkCaughtUp(): boolean {
    if (!this.caughtUp && this.processor.handledSeq >= this.position.caughtUpSeq) this.caughtUp = true;
    return this.caughtUp;
  }

  /** Stops pulling (the pull in progress ends at once) and resolves when the loop has returned. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.batch?.stop();
    await this.loop;
  }

  private async consume(onProgress: () => void): Promise<void> {
    const { sink, config } = this.ctx;
    let failures = 0;
    while (!this.stopping) {
      try {
        if (!sink.hasCapacity()) {
          this.stalled = true;
          await sink.waitForCapacity();
          continue;
        }
        this.stalled = false;
        // Never pull more than the buffer has room for, split between this worker's partitions: the
        // sink's bound then holds to within a message per partition.
        const room = config.sink.maxBufferedRows - sink.bufferedRows;
        const share = Math.floor(room / this.ctx.partitionCount());
        const batch = await this.position.consumer.fetch({
          max_messages: Math.max(1, Math.min(FETCH_BATCH, share)),
          expires: FETCH_EXPIRES_MS,
        });
        this.batch = batch;
        for await (const msg of batch) {
          this.processor.handle(msg);
          this.pending = msg.info.pending;
          if (!this.caughtUp && msg.seq >= this.position.caughtUpSeq) onProgress();
          if (this.stopping) break;
        }
        this.batch = undefined;
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        failures++;
        const delayMs = Math.min(FETCH_RETRY_MAX_MS, FETCH_RETRY_BASE_MS * 2 ** Math.min(failures, 7));
        // One failed pull is routine (missed heartbeats on a busy host, a server restart); a run of them is not.
        const level = failures >= 3 ? 'warn' : 'debug';
        this.ctx.logger[level](
          { err: error, partition: this.partition, delayMs, failures },
          'fetch failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }
}
