/**
 * Names on the NATS side: a partition's records are published on `cdr.in.<partition>` (contract), and each
 * partition is read by one durable pull consumer named after the consumer group and the partition. Switch
 * feeds arrive on `cdr.feed.<profile>`, one shared durable consumer per profile.
 */

/** Default subject prefix of the CDR stream. */
export const CDR_SUBJECT_PREFIX = 'cdr.in';

/** The subject a partition's records are published on, e.g. `cdr.in.3`. */
export function cdrSubject(partition: number, prefix: string = CDR_SUBJECT_PREFIX): string {
  return `${prefix}.${partition}`;
}

/**
 * The consumer that reads one partition for a consumer group under one lease epoch, e.g. `sentinel-p03-e1234`
 * (without an epoch, the prefix every epoch's name starts with). Each owner reads through its own consumer: an
 * old owner that has not noticed it lost the partition can never take messages from the new owner's.
 */
export function partitionConsumerName(consumerGroup: string, partition: number, epoch?: number): string {
  const base = `${consumerGroup}-p${String(partition).padStart(2, '0')}`;
  return epoch === undefined ? base : `${base}-e${epoch}`;
}

/** NATS_URL as the client wants it: one URL, or a cluster's seed URLs separated by commas. */
export function natsServers(natsUrl: string): string[] {
  return natsUrl.split(',').filter((url) => url !== '');
}

/** Default subject prefix of the feed stream: switches publish their own records on `cdr.feed.<profile>`. */
export const FEED_SUBJECT_PREFIX = 'cdr.feed';

/** The subject a profile's raw records are published on, e.g. `cdr.feed.freeswitch`. */
export function feedSubject(profile: string, prefix: string = FEED_SUBJECT_PREFIX): string {
  return `${prefix}.${profile}`;
}

/** The durable consumer every engine instance shares for one feed profile, e.g. `sentinel-feed-freeswitch`. */
export function feedConsumerName(consumerGroup: string, profile: string): string {
  return `${consumerGroup}-feed-${profile}`;
}
