/**
 * The durable pull consumer a shard worker reads one partition through: filter `cdr.in.<p>` (one filter, so
 * nats-server 2.9 can serve it), ack policy `all` (the worker acks the last sequence of a batch once Postgres
 * committed it), and a long ack wait because a commit can wait on a slow database while backpressure holds.
 */
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  ReplayPolicy,
} from '@nats-io/jetstream';
import type { ConsumerConfig, ConsumerInfo, JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { CDR_SUBJECT_PREFIX, cdrSubject } from './partitioning.js';
import { StreamSetupError } from './stream-errors.js';

export interface PartitionConsumerOptions {
  stream: string;
  partition: number;
  durableName: string;
  /** @default 'cdr.in' */
  subjectPrefix?: string;
  /** On creation only: deliver from this stream sequence. Takes precedence over `startTimeMs`. */
  startSeq?: number;
  /** On creation only: deliver from this time (epoch ms). Without either, delivery starts at the first message. */
  startTimeMs?: number;
  /** Unacked messages are redelivered after this long. @default 300_000 (five minutes) */
  ackWaitMs?: number;
  /** Messages delivered but not yet acked before the server pauses delivery. @default 200_000 */
  maxAckPending?: number;
  /** @default 512 */
  maxWaiting?: number;
  logger?: Logger;
}

export type ConsumerChange =
  | { action: 'created'; info: ConsumerInfo }
  | { action: 'updated'; info: ConsumerInfo; changed: string[] }
  | { action: 'unchanged'; info: ConsumerInfo };

/** Consumer settings that can be changed in place on nats-server 2.9. */
const UPDATABLE_FIELDS = ['ack_wait', 'max_ack_pending', 'description'] as const;

function partitionConsumerConfig(options: PartitionConsumerOptions): Partial<ConsumerConfig> {
  const config: Partial<ConsumerConfig> = {
    durable_name: options.durableName,
    description: `Sentinel shard reader for partition ${options.partition}`,
    filter_subject: cdrSubject(options.partition, options.subjectPrefix ?? CDR_SUBJECT_PREFIX),
    ack_policy: AckPolicy.All,
    ack_wait: nanos(options.ackWaitMs ?? 300_000),
    max_ack_pending: options.maxAckPending ?? 200_000,
    max_waiting: options.maxWaiting ?? 512,
    max_deliver: -1,
    replay_policy: ReplayPolicy.Instant,
    deliver_policy: DeliverPolicy.All,
  };
  if (options.startSeq !== undefined) {
    config.deliver_policy = DeliverPolicy.StartSequence;
    config.opt_start_seq = options.startSeq;
  } else if (options.startTimeMs !== undefined) {
    config.deliver_policy = DeliverPolicy.StartTime;
    config.opt_start_time = new Date(options.startTimeMs).toISOString();
  }
  return config;
}

async function consumerInfoOrUndefined(
  jsm: JetStreamManager,
  stream: string,
  name: string,
): Promise<ConsumerInfo | undefined> {
  try {
    return await jsm.consumers.info(stream, name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)
      return undefined;
    throw new StreamSetupError(`${stream}/${name}`, 'could not read the consumer', { cause: error });
  }
}

/**
 * Creates the partition's durable pull consumer, or updates its ack wait / max ack pending. The start
 * position applies only when the consumer is created: an existing durable resumes where it was. Throws
 * StreamSetupError when an existing consumer has a different filter or ack policy (delete it to change those).
 */
export async function ensurePartitionConsumer(
  jsm: JetStreamManager,
  options: PartitionConsumerOptions,
): Promise<ConsumerChange> {
  const resource = `${options.stream}/${options.durableName}`;
  const desired = partitionConsumerConfig(options);
  const existing = await consumerInfoOrUndefined(jsm, options.stream, options.durableName);
  if (existing === undefined) {
    let info: ConsumerInfo;
    try {
      info = await jsm.consumers.add(options.stream, desired);
    } catch (error) {
      throw new StreamSetupError(resource, 'could not create the consumer', { cause: error });
    }
    options.logger?.info(
      {
        stream: options.stream,
        consumer: options.durableName,
        filter: desired.filter_subject,
        deliver: desired.deliver_policy,
      },
      'partition consumer created',
    );
    return { action: 'created', info };
  }
  const config = existing.config;
  if (config.filter_subject !== desired.filter_subject || config.ack_policy !== desired.ack_policy) {
    throw new StreamSetupError(
      resource,
      `exists with filter ${config.filter_subject ?? '(none)'} and ack policy ${config.ack_policy}; ` +
        `expected ${desired.filter_subject} and ${desired.ack_policy}. Delete the consumer to change them.`,
    );
  }
  const changed = UPDATABLE_FIELDS.filter((field) => config[field] !== desired[field]);
  if (changed.length === 0) return { action: 'unchanged', info: existing };
  const update = Object.fromEntries(changed.map((field) => [field, desired[field]]));
  let info: ConsumerInfo;
  try {
    info = await jsm.consumers.update(options.stream, options.durableName, update);
  } catch (error) {
    throw new StreamSetupError(resource, `could not update ${changed.join(', ')}`, { cause: error });
  }
  options.logger?.info(
    { stream: options.stream, consumer: options.durableName, changed, update },
    'partition consumer updated',
  );
  return { action: 'updated', info, changed };
}
