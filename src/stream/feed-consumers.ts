/**
 * The shared durable pull consumer of one feed profile on `CDR_FEED`. Unlike the partition consumers (one owner,
 * re-positioned on every start), a feed consumer is shared by every engine instance: each pulls from it and the
 * server hands each message to one of them, which is how the work is split. So it is created when missing and
 * its mutable settings updated in place, never deleted: deleting it would drop the in-flight deliveries of the
 * other instances.
 */
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type Consumer,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { StreamSetupError } from './stream-errors.js';

export interface FeedConsumerOptions {
  stream: string;
  subject: string;
  durableName: string;
  /** Feed records delivered but not yet acked, across all instances. */
  maxAckPending: number;
  /** A record not acked in this long is delivered again (to any instance). */
  ackWaitMs: number;
}

function isMissing(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound;
}

/** Creates or updates the profile's durable consumer and returns a handle to pull from it. */
export async function ensureFeedConsumer(
  js: JetStreamClient,
  jsm: JetStreamManager,
  options: FeedConsumerOptions,
): Promise<Consumer> {
  const ackWait = nanos(options.ackWaitMs);
  const wanted: Partial<ConsumerConfig> = {
    durable_name: options.durableName,
    filter_subject: options.subject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ackWait,
    max_ack_pending: options.maxAckPending,
    max_deliver: -1,
  };
  const resource = `${options.stream}/${options.durableName}`;
  try {
    const info = await jsm.consumers.info(options.stream, options.durableName).catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw error;
    });
    if (info === undefined) {
      // Several instances may race here; an add that lost the race finds the same config and succeeds.
      await jsm.consumers.add(options.stream, wanted);
    } else if (
      info.config.ack_wait !== ackWait ||
      info.config.max_ack_pending !== options.maxAckPending ||
      info.config.filter_subject !== options.subject
    ) {
      await jsm.consumers.update(options.stream, options.durableName, {
        ack_wait: ackWait,
        max_ack_pending: options.maxAckPending,
        filter_subject: options.subject,
      });
    }
    return await js.consumers.get(options.stream, options.durableName);
  } catch (error) {
    throw new StreamSetupError(resource, 'could not create or update the feed consumer', { cause: error });
  }
}
