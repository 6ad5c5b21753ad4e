/**
 * Names on the NATS side: a partition's records are published on `cdr.in.<partition>` (contract), and each
 * partition is read by one durable pull consumer named after the consumer group and the partition.
 */

/** Default subject prefix of the CDR stream. */
export const CDR_SUBJECT_PREFIX = 'cdr.in';

/** The subject a partition's records are published on, e.g. `cdr.in.3`. */
export function cdrSubject(partition: number, prefix: string = CDR_SUBJECT_PREFIX): string {
  return `${prefix}.${partition}`;
}

/** The durable consumer that reads one partition for a consumer group, e.g. `sentinel-p03`. */
export function partitionConsumerName(consumerGroup: string, partition: number): string {
  return `${consumerGroup}-p${String(partition).padStart(2, '0')}`;
}

/** NATS_URL as the client wants it: one URL, or a cluster's seed URLs separated by commas. */
export function natsServers(natsUrl: string): string[] {
  return natsUrl.split(',').filter((url) => url !== '');
}
