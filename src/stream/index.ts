/**
 * NATS transport: stream setup, subjects, the acking publishers for CDRs, dead letters and alerts, and the
 * shared feed consumers. The CDR codec lives in `src/codec`; this module moves bytes. Other modules import only
 * from here.
 */
export { cdrLayout, partitionStreamName, resolveCdrLayoutKind } from './cdr-layout.js';
export type { CdrLayout, CdrLayoutKind } from './cdr-layout.js';
export {
  CDR_SUBJECT_PREFIX,
  FEED_SUBJECT_PREFIX,
  cdrSubject,
  feedConsumerName,
  feedSubject,
  natsServers,
  partitionConsumerName,
} from './subjects.js';
export {
  DEFAULT_STREAM_NAMES,
  MIN_DUPLICATE_WINDOW_MS,
  ensureStreams,
  resolveStreamNames,
} from './stream-setup.js';
export type { StreamChange, StreamNames, StreamSettings } from './stream-setup.js';

export { AckingPublisher } from './acking-publisher.js';
export { CaseEventPublisher } from './case-publisher.js';
export type { CaseEventPublisherOptions } from './case-publisher.js';
export { caseEventMessage } from './case-event-message.js';
export type { CaseEventMessage, CaseThresholdMessage, CaseWindowMessage } from './case-event-message.js';
export type { AckingPublisherOptions, PublisherStats } from './acking-publisher.js';
export { AlertPublisher, CdrPublisher, DeadLetterPublisher, SENTINEL_HEADERS } from './record-publishers.js';
export type {
  AlertPublisherOptions,
  CdrPublisherOptions,
  DeadLetter,
  DeadLetterPublisherOptions,
} from './record-publishers.js';

export { ensureFeedConsumer } from './feed-consumers.js';
export { canPeekRawHeaders, headerNeedle, peekHeader } from './header-peek.js';
export { canReadRawReply, deliveryPosition, readDeliveryPosition } from './delivery-position.js';
export type { DeliveryPosition } from './delivery-position.js';
export type { FeedConsumerOptions } from './feed-consumers.js';

export { PublishFailedError, PublisherClosedError, StreamSetupError } from './stream-errors.js';
export type { PublishFailure } from './stream-errors.js';
