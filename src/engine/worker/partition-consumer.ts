/**
 * Positions a partition's durable pull consumer for a (re)start and reports where "caught up" is.
 *
 * Postgres's `sink_offsets` is the source of truth for what has been written; JetStream's ack state only
 * trails it. So every start recreates the durable at the earlier of
 *  - the first message stored at or after `replayFromMs` (now − longest window − lateness): rebuilds windows;
 *  - `committedSeq + 1`: anything not yet committed must be written.
 * Messages at or below `committedSeq` then only rebuild state; the rest take the full path.
 *
 * With a checkpoint (its state reflects every message up to `resumeAfterSeq`, which is at or below
 * `committedSeq`), the durable starts right after it instead: no search by time, only the tail is replayed.
 */
import type { Consumer, JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { Logger } from 'pino';

export interface PartitionConsumerOptions {
  stream: string;
  subject: string;
  durableName: string;
  /**
   * Consumers of earlier owners of this partition start with this prefix: they are deleted, so a stale owner's
   * pulls fail instead of reading on, and old consumers do not pile up.
   */
  stalePrefix: string;
  committedSeq: number;
  replayFromMs: number;
  /** Set when the partition's state was restored from a checkpoint taken at this sequence. */
  resumeAfterSeq?: number;
  /** Unacked messages the server lets out before it stops delivering: a second bound behind the sink's. */
  maxAckPending: number;
  /** @default 5 minutes: a commit blocked longer than this sees redeliveries, which are ignored by sequence. */
  ackWaitMs?: number;
}

export interface PositionedConsumer {
  consumer: Consumer;
  /** First sequence that will be delivered. */
  startSeq: number;
  /** Last sequence stored for the subject at start-up: the partition is caught up once it has handled it. */
  caughtUpSeq: number;
}

export async function openPartitionConsumer(
  js: JetStreamClient,
  jsm: JetStreamManager,
  options: PartitionConsumerOptions,
  logger: Logger,
): Promise<PositionedConsumer> {
  const base = {
    durable_name: options.durableName,
    filter_subject: options.subject,
    ack_policy: AckPolicy.All,
    ack_wait: nanos(options.ackWaitMs ?? 300_000),
    max_ack_pending: options.maxAckPending,
    max_deliver: -1,
  };
  await deleteStaleConsumers(jsm, options);
  if (options.resumeAfterSeq !== undefined) {
    const startSeq = Math.min(options.resumeAfterSeq, options.committedSeq) + 1;
    const info = await jsm.consumers.add(options.stream, {
      ...base,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startSeq,
    });
    return positioned(js, jsm, options, logger, startSeq, info.num_pending);
  }
  let info = await jsm.consumers.add(options.stream, {
    ...base,
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(options.replayFromMs).toISOString(),
  });
  // delivered.stream_seq is the sequence just before the first match.
  let startSeq = info.delivered.stream_seq + 1;
  if (options.committedSeq + 1 < startSeq) {
    await jsm.consumers.delete(options.stream, options.durableName);
    info = await jsm.consumers.add(options.stream, {
      ...base,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: options.committedSeq + 1,
    });
    startSeq = options.committedSeq + 1;
  }
  return positioned(js, jsm, options, logger, startSeq, info.num_pending);
}

async function positioned(
  js: JetStreamClient,
  jsm: JetStreamManager,
  options: PartitionConsumerOptions,
  logger: Logger,
  startSeq: number,
  pending: number,
): Promise<PositionedConsumer> {
  const caughtUpSeq = await lastSequence(jsm, options.stream, options.subject);
  logger.info(
    {
      subject: options.subject,
      startSeq,
      caughtUpSeq,
      committedSeq: options.committedSeq,
      resumeAfterSeq: options.resumeAfterSeq,
      pending,
    },
    'partition consumer positioned',
  );
  return { consumer: await js.consumers.get(options.stream, options.durableName), startSeq, caughtUpSeq };
}

async function lastSequence(jsm: JetStreamManager, stream: string, subject: string): Promise<number> {
  try {
    const message = await jsm.streams.getMessage(stream, { last_by_subj: subject });
    return message?.seq ?? 0;
  } catch {
    return 0; // no message on this subject yet
  }
}

async function deleteStaleConsumers(jsm: JetStreamManager, options: PartitionConsumerOptions): Promise<void> {
  const stale: string[] = [];
  for await (const info of jsm.consumers.list(options.stream)) {
    const name = info.name;
    if (name === options.durableName || name.startsWith(`${options.stalePrefix}-`)) stale.push(name);
  }
  await Promise.all(stale.map((name) => jsm.consumers.delete(options.stream, name).catch(() => false)));
}
