/**
 * A partition's JetStream consumer: an ephemeral pull consumer with AckNone, created by its owner at the exact
 * position the owner needs and created again from the next sequence whenever it is lost (a server restart, an
 * idle expiry, a leader change) or its delivery shows a gap.
 *
 * Postgres's `sink_offsets` is the source of truth for what has been written, so server-side ack state buys
 * nothing: AckNone saves about a fifth of nats-server's delivery cost (bench/results/nats-2.9-findings.md), and
 * an ack floor can no longer skip messages a lost pull had in flight. Memory stays bounded because the worker
 * pulls only while its sink has room. Each owner reads through its own consumer (the lease epoch is in the
 * name), so an old owner that has not yet noticed it lost the partition never takes the new owner's messages.
 *
 * Where to start: after a checkpoint, right after the sequence it reflects (only the tail is replayed);
 * without one, at the earlier of the first message of the replay period (now − longest window − lateness:
 * rebuilds the windows) and `committedSeq + 1` (anything not yet committed must be written). Messages at or
 * below `committedSeq` then only rebuild state; the rest take the full path.
 */
import { randomBytes } from 'node:crypto';
import type { Consumer, JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { Logger } from 'pino';

/** An abandoned consumer (its worker died) disappears this long after its last pull. */
const INACTIVE_THRESHOLD_MS = 60_000;

export interface PartitionConsumerOptions {
  stream: string;
  /** Subject filter, when the stream holds other partitions too (the v1 single stream). */
  filter: string | undefined;
  /** Consumer names: `<namePrefix>-<attempt>-<n>`, n counting re-creations. */
  namePrefix: string;
  committedSeq: number;
  replayFromMs: number;
  /** Set when the partition's state was restored from a checkpoint taken at this sequence. */
  resumeAfterSeq?: number;
}

export interface PositionedConsumer {
  consumer: Consumer;
  name: string;
  /** First sequence that will be delivered. */
  startSeq: number;
  /** Last sequence stored for the partition at opening: it is caught up once it has handled it. */
  caughtUpSeq: number;
}

export class PartitionConsumer {
  private created = 0;
  private current: PositionedConsumer | undefined;
  /**
   * Tells this opening of the partition from an earlier one under the same epoch (a retry after a failed
   * open). A create whose reply timed out may still have created its consumer on the server; a retry that
   * reused the name with another start sequence would be refused ("start sequence can not be updated") on
   * every attempt, until the stale consumer's inactivity expiry.
   */
  private readonly attempt = randomBytes(3).toString('hex');

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly options: PartitionConsumerOptions,
    private readonly logger: Logger,
  ) {}

  get position(): PositionedConsumer {
    if (this.current === undefined) throw new Error('partition consumer not opened');
    return this.current;
  }

  /** Creates the first consumer at the opening position (see the file comment). */
  async open(): Promise<PositionedConsumer> {
    const { committedSeq, resumeAfterSeq, replayFromMs } = this.options;
    let startSeq: number;
    if (resumeAfterSeq !== undefined) {
      startSeq = Math.min(resumeAfterSeq, committedSeq) + 1;
    } else {
      const firstInPeriod = await this.firstSequenceAtOrAfter(replayFromMs);
      startSeq = Math.min(firstInPeriod, committedSeq + 1);
    }
    const caughtUpSeq = await this.lastSequence();
    this.current = await this.createAt(startSeq, caughtUpSeq);
    this.logger.info(
      { stream: this.options.stream, startSeq, caughtUpSeq, committedSeq, resumeAfterSeq },
      'partition consumer positioned',
    );
    return this.current;
  }

  /** A new consumer starting at `seq` (after a lost consumer or a delivery gap); the old one is deleted. */
  async reopenAt(seq: number, reason: string): Promise<PositionedConsumer> {
    const previous = this.current;
    this.current = await this.createAt(seq, previous?.caughtUpSeq ?? 0);
    if (previous !== undefined) await this.remove(previous.name);
    this.logger.info({ stream: this.options.stream, seq, reason }, 'partition consumer re-created');
    return this.current;
  }

  /** Deletes the current consumer (best effort: an ephemeral one would expire anyway). */
  async close(): Promise<void> {
    if (this.current !== undefined) await this.remove(this.current.name);
  }

  private async createAt(startSeq: number, caughtUpSeq: number): Promise<PositionedConsumer> {
    const name = `${this.options.namePrefix}-${this.attempt}-${++this.created}`;
    await this.jsm.consumers.add(this.options.stream, {
      name,
      ...(this.options.filter === undefined ? {} : { filter_subject: this.options.filter }),
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, startSeq),
      inactive_threshold: nanos(INACTIVE_THRESHOLD_MS),
      mem_storage: true,
      num_replicas: 1,
    });
    return { consumer: await this.js.consumers.get(this.options.stream, name), name, startSeq, caughtUpSeq };
  }

  private async remove(name: string): Promise<void> {
    await this.jsm.consumers.delete(this.options.stream, name).catch(() => false);
  }

  /**
   * The first sequence stored at or after `ms` (the stream's next sequence when none is): a throwaway consumer
   * positioned by start time tells it without delivering anything.
   */
  private async firstSequenceAtOrAfter(ms: number): Promise<number> {
    const name = `${this.options.namePrefix}-${this.attempt}-probe`;
    const info = await this.jsm.consumers.add(this.options.stream, {
      name,
      ...(this.options.filter === undefined ? {} : { filter_subject: this.options.filter }),
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date(ms).toISOString(),
      inactive_threshold: nanos(INACTIVE_THRESHOLD_MS),
      mem_storage: true,
      num_replicas: 1,
    });
    await this.remove(name);
    // delivered.stream_seq is the sequence just before the first match.
    return info.delivered.stream_seq + 1;
  }

  /** The last sequence stored for the partition (0 when none is); rejects when the stream cannot tell. */
  async lastSequence(): Promise<number> {
    const { stream, filter } = this.options;
    if (filter === undefined) return (await this.jsm.streams.info(stream)).state.last_seq;
    try {
      const message = await this.jsm.streams.getMessage(stream, { last_by_subj: filter });
      return message?.seq ?? 0;
    } catch {
      return 0; // nothing stored for this partition yet
    }
  }
}
