/**
 * NATS transport: stream setup, subjects, and the acking publishers for CDRs, dead letters and alerts. The CDR
 * codec lives in `src/codec`; this module moves bytes. Other modules import only from here.
 */
export { CDR_SUBJECT_PREFIX, cdrSubject, natsServers, partitionConsumerName } from './subjects.js';
export {
  DEFAULT_STREAM_NAMES,
  MIN_DUPLICATE_WINDOW_MS,
  ensureStreams,
  resolveStreamNames,
} from './stream-setup.js';
export type { StreamChange, StreamNames, StreamSettings } from './stream-setup.js';

export { AckingPublisher } from './acking-publisher.js';
export type { AckingPublisherOptions, PublisherStats } from './acking-publisher.js';
export { AlertPublisher, CdrPublisher, DeadLetterPublisher } from './record-publishers.js';
export type {
  AlertPublisherOptions,
  CdrPublisherOptions,
  DeadLetter,
  DeadLetterPublisherOptions,
} from './record-publishers.js';

export { PublishFailedError, PublisherClosedError, StreamSetupError } from './stream-errors.js';
export type { PublishFailure } from './stream-errors.js';
