/**
 * The Postgres sink: schema migrations, daily partitions of `call_records`, the batched COPY writer with
 * exactly-once offsets (and replayed dead letters stored at most once), and the dead-letter queries of the feed
 * normaliser and `sentinel dlq`. See docs/adr/0004-postgres-schema-and-exactly-once.md.
 */
export type {
  Batch,
  BatchStats,
  BatchWriter,
  BreakerState,
  CallRecordRow,
  DeadLetterRow,
  StoredCaseEvent,
} from './batch-types.js';
export { SINK_REJECTED_CASE_EVENT_REASON } from './case-event-rows.js';
export type { StoredAlert } from './alert-store.js';
export { SinkBuffer } from './sink-buffer.js';
export { callRecordRow } from './call-record-row.js';
export type { SinkBufferOptions } from './sink-buffer.js';
export { PostgresBatchWriter } from './postgres-batch-writer.js';
export type { PostgresBatchWriterOptions } from './postgres-batch-writer.js';
export { CircuitBreaker } from './circuit-breaker.js';
export type { CircuitBreakerOptions } from './circuit-breaker.js';
export { migrate } from './migrate.js';
export type { MigrateOptions, MigrateResult } from './migrate.js';
export { MIGRATIONS } from './migrations/migration-list.js';
export type { Migration } from './migrations/migration-list.js';
export {
  DAY_MS,
  dayNumber,
  dropPartitionsBefore,
  ensureDailyPartitions,
  listDailyPartitions,
  maintainPartitions,
  partitionName,
} from './daily-partitions.js';
export type { MaintainPartitionsOptions, PartitionLockOptions } from './daily-partitions.js';
export { applyCaseRetention } from './case-retention.js';
export type { RetentionOptions, RetentionResult } from './case-retention.js';
export type { Database } from './database.js';
export { SINK_REJECTED_ALERT_REASON, SINK_REJECTED_REASON } from './row-checks.js';
export { insertFeedDeadLetters, markDeadLettersReplayed, selectDeadLetters } from './dead-letter-store.js';
export type { DeadLetterFilter, FeedDeadLetterRow, StoredDeadLetter } from './dead-letter-store.js';
export { MigrationError, SinkAttemptTimeoutError, SinkClosedError } from './sink-errors.js';
export type { ClaimResult, PartitionClaim } from './partition-claims.js';
