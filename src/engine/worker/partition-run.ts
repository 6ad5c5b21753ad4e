/**
 * One partition inside a shard worker, from the moment the worker takes it until it lets go: its processor
 * (restored from a checkpoint when one is usable), its consumer, and the pull loop that feeds one into the
 * other while the sink has room. Deliveries are checked for gaps (AckNone consumers redeliver nothing): a
 * missing delivery, a failed pull, a lost consumer or a pull that delivers nothing while the stream holds
 * messages past the position (stalled-pull-watch.ts) all end the same way — a new consumer from the next
 * sequence the processor needs.
 */
import type {
  ConsumeCallback,
  FetchMessages,
  FetchOptions,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import type { SinkBuffer } from '../../sinks/index.js';
import {
  deliveryPosition,
  partitionConsumerName,
  readDeliveryPosition,
  type CdrLayout,
} from '../../stream/index.js';
import type { RuleSettings } from '../../windows/index.js';
import type { PartitionCheckpoint } from './checkpoint-files.js';
import type { PartitionCheckpointer } from './partition-checkpointer.js';
import { PartitionConsumer, type PositionedConsumer } from './partition-consumer.js';
import { PartitionProcessor, type PartitionProcessorDeps } from './partition-processor.js';
import { StalledPullWatch } from './stalled-pull-watch.js';

/**
 * Messages per pull once caught up. Pulls of 500 keep the worst-case wait for the rest of a pull short; what
 * held messages for seconds on nats-server 2.9 was a pull that expired while messages flowed (the server
 * sometimes drops it without the 408, and the client ends it only after two missed heartbeats) — hence the
 * long expiry and the short heartbeat below, not the size (bench/results/nats-2.9-findings.md).
 */
const FETCH_BATCH = 500;
/**
 * Messages per pull while a backlog is pending (the last delivery said more than a pull's worth is waiting):
 * as many as are pending, up to this and the partition's share of the sink buffer. Such a pull fills at once,
 * so it cannot expire while messages flow, and nats-server spends less per message on fewer, larger pulls.
 */
const DRAIN_FETCH_MAX = 5_000;
/** Long enough that a pull rarely expires while messages flow (it fills first). */
const FETCH_EXPIRES_MS = 30_000;
/** Two missed heartbeats end a dead pull: a lost pull costs about two seconds, not two expiries. */
const FETCH_IDLE_HEARTBEAT_MS = 1_000;
/** Retry delay after a failed pull doubles from this up to `FETCH_RETRY_MAX_MS`. */
const FETCH_RETRY_BASE_MS = 100;
const FETCH_RETRY_MAX_MS = 10_000;
/**
 * A pull that delivered nothing for this long has the stream asked whether messages are waiting for it; a pull
 * on a healthy consumer delivers waiting messages at once, so a stall costs 5–10 s, not a fetch expiry.
 */
const STALL_CHECK_MS = 5_000;

export interface PartitionRunContext {
  config: Config;
  consumerGroup: string;
  layout: CdrLayout;
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
  /** Where the message being handled sits (stream and delivery sequence, stored time, pending), read once. */
  private readonly delivery = deliveryPosition();
  /** The pull in progress, stopped at shutdown so the loop does not wait out its expiry. */
  private batch: { stop(): void } | undefined;
  private loop: Promise<void> = Promise.resolve();
  /** The next stream sequence the processor needs. */
  private nextSeq: number;

  private constructor(
    readonly partition: number,
    readonly processor: PartitionProcessor,
    private readonly reader: PartitionConsumer,
    private readonly ctx: PartitionRunContext,
  ) {
    this.nextSeq = Math.max(reader.position.startSeq, processor.handledSeq + 1);
  }

  get position(): PositionedConsumer {
    return this.reader.position;
  }

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
    const reader = new PartitionConsumer(
      ctx.js,
      ctx.jsm,
      {
        stream: ctx.layout.streamOf(partition),
        filter: ctx.layout.filterOf(partition),
        namePrefix: partitionConsumerName(ctx.consumerGroup, partition, epoch),
        committedSeq,
        replayFromMs,
        ...(processor.handledSeq > 0 ? { resumeAfterSeq: processor.handledSeq } : {}),
      },
      logger,
    );
    await reader.open();
    return new PartitionRun(partition, processor, reader, ctx);
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

  /** Stops pulling (the pull in progress ends at once), resolves when the loop has returned, drops the consumer. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.batch?.stop();
    await this.loop;
    await this.reader.close();
  }

  private async consume(onProgress: () => void): Promise<void> {
    const { sink, config } = this.ctx;
    let failures = 0;
    let delivered = 0; // deliveries from the current consumer: its delivery sequence must follow on
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
        const wanted = this.pending > FETCH_BATCH ? Math.min(this.pending, DRAIN_FETCH_MAX) : FETCH_BATCH;
        let gap = false;
        const control: { stopPull?: () => void; delivered?: () => void } = {};
        // Callback mode: each message is handled as the client parses it, with no promise per message (the
        // async iterator cost a microtask per message). nats.js 3.4 honours `callback` on fetch as on consume,
        // though its FetchOptions type does not declare it.
        const size = Math.max(1, Math.min(wanted, share));
        const pull: FetchMessages & ConsumeCallback = {
          max_messages: size,
          expires: FETCH_EXPIRES_MS,
          idle_heartbeat: FETCH_IDLE_HEARTBEAT_MS,
          callback: (msg: JsMsg) => {
            if (gap || this.stopping) return;
            // Read once from the reply subject's bytes (delivery-position.ts), not through `msg.info`.
            const position = readDeliveryPosition(msg, this.delivery);
            if (position.deliverySeq !== delivered + 1) {
              gap = true;
              control.stopPull?.();
              return;
            }
            delivered++;
            control.delivered?.();
            const seq = position.seq;
            this.pending = position.pending;
            this.processor.handle(msg, position);
            if (seq >= this.nextSeq) this.nextSeq = seq + 1;
            if (!this.caughtUp && seq >= this.position.caughtUpSeq) onProgress();
          },
        };
        const deliveredBefore = delivered;
        const pulledAtMs = performance.now();
        const batch = await this.position.consumer.fetch(pull as FetchOptions);
        control.stopPull = () => batch.stop();
        this.batch = batch;
        const watch = new StalledPullWatch({
          intervalMs: STALL_CHECK_MS,
          nextSeq: () => this.nextSeq,
          lastStoredSeq: () => this.reader.lastSequence(),
          stopPull: () => batch.stop(),
        });
        control.delivered = () => watch.delivered();
        let failure: Error | void;
        try {
          failure = await batch.closed();
        } finally {
          watch.end();
        }
        this.batch = undefined;
        if (failure instanceof Error && !gap && !this.stopping) throw failure;
        failures = 0;
        if (this.stopping) break;
        // nats-server 2.9 sometimes ends a large pull early with a 408 while messages are pending, and what it
        // had counted as delivered never arrives. A later delivery shows the gap, but at the end of a backlog
        // there is none: a pull that ended short long before its expiry, with messages pending, gets the same
        // treatment as a gap at once.
        const endedShort =
          !watch.stalled &&
          delivered - deliveredBefore < size &&
          this.pending > 0 &&
          performance.now() - pulledAtMs < FETCH_EXPIRES_MS / 2;
        if (gap || endedShort) {
          await this.reader.reopenAt(this.nextSeq, gap ? 'a delivery went missing' : 'a pull ended short');
          delivered = 0;
        } else if (watch.stalled) {
          this.ctx.logger.warn(
            { partition: this.partition, nextSeq: this.nextSeq, lastStoredSeq: watch.lastStoredSeqSeen },
            'pull stalled: nothing delivered while the stream holds messages past the position',
          );
          await this.reader.reopenAt(this.nextSeq, 'the pull stalled');
          delivered = 0;
        }
      } catch (error) {
        if (this.stopping) break;
        failures++;
        const delayMs = Math.min(FETCH_RETRY_MAX_MS, FETCH_RETRY_BASE_MS * 2 ** Math.min(failures, 7));
        // One failed pull is routine (missed heartbeats on a busy host, a server restart); a run of them is not.
        const level = failures >= 3 ? 'warn' : 'debug';
        this.ctx.logger[level](
          { err: error, partition: this.partition, delayMs, failures },
          'fetch failed; re-creating the consumer',
        );
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        // Whatever was lost (a pull, the consumer, the server), a new consumer from the next needed sequence
        // gets it back; the processor ignores anything it already handled.
        await this.reader
          .reopenAt(this.nextSeq, 'fetch failed')
          .then(() => (delivered = 0))
          .catch((reopenError: unknown) =>
            this.ctx.logger[level](
              { err: reopenError, partition: this.partition },
              'consumer re-creation failed',
            ),
          );
      }
    }
  }
}
