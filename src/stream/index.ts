// The stream module's public surface: the CDR codec, CSV reading, partitioning, stream and consumer setup,
// the acking publishers and the `sentinel publish` command. Other modules import only from here.

export {
  CALL_DIRECTIONS,
  CDR_FIELDS,
  CDR_REASONS,
  DEFAULT_MAX_CDR_BYTES,
  DEFAULT_MAX_FUTURE_SKEW_MS,
  MAX_CALL_ID_LENGTH,
  MAX_DURATION_SECONDS,
  MIN_START_MS,
} from './cdr.js';
export type { CallDirection, Cdr, CdrJson, CdrReason, DecodeOptions, DecodeResult } from './cdr.js';
export { decodeCdr, validateCdrObject } from './cdr-decoder.js';
export { cdrToJson, encodeCdr, numberDigits } from './cdr-encoder.js';
export { isDigitString, isPrintableText, parsePhoneDigits } from './cdr-fields.js';
export { formatIsoUtcMs, parseIsoTimestampMs } from './iso-time.js';

export {
  CSV_OPTIONAL_COLUMNS,
  CSV_REQUIRED_COLUMNS,
  CsvCdrConverter,
  csvRowsToCdrs,
  parseCdrCsv,
} from './csv-cdr.js';
export type {
  CsvCdrOptions,
  CsvCdrRecord,
  CsvConversion,
  CsvConversionOptions,
  CsvRowResult,
} from './csv-cdr.js';
export { createZonedClock, isValidTimeZone } from './zoned-time.js';
export type { CivilDateTime, ZonedClock } from './zoned-time.js';

export {
  CDR_SUBJECT_PREFIX,
  cdrSubject,
  fnv1a32,
  fnv1a32Bytes,
  partitionOf,
  partitionOfCaller,
} from './partitioning.js';

export {
  DEFAULT_STREAM_NAMES,
  MIN_DUPLICATE_WINDOW_MS,
  ensureStreams,
  resolveStreamNames,
} from './stream-setup.js';
export type { StreamChange, StreamNames, StreamSettings } from './stream-setup.js';
export { ensurePartitionConsumer } from './partition-consumer.js';
export type { ConsumerChange, PartitionConsumerOptions } from './partition-consumer.js';

export { AckingPublisher } from './acking-publisher.js';
export type { AckingPublisherOptions, PublisherStats } from './acking-publisher.js';
export { AlertPublisher, CdrPublisher, DeadLetterPublisher } from './record-publishers.js';
export type {
  AlertPublisherOptions,
  CdrPublisherOptions,
  DeadLetter,
  DeadLetterPublisherOptions,
} from './record-publishers.js';

export { PUBLISH_USAGE, parsePublishArgs, runPublishCommand } from './publish-command.js';
export type { PublishCommandDeps, PublishCommandIo, PublishSummary } from './publish-command.js';

export {
  InvalidTimeZoneError,
  PublishFailedError,
  PublishUsageError,
  PublisherClosedError,
  STREAM_ERROR_CODES,
  StreamSetupError,
} from './stream-errors.js';
export type { PublishFailure, StreamErrorCode } from './stream-errors.js';
