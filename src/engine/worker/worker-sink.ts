/**
 * A shard worker's Postgres sink: the batch writer (its own connection, retries, circuit breaker) behind a
 * bounded buffer, with each commit's figures counted. `onCommitted` tells the partitions how far Postgres now
 * holds their records; then the commit's alerts and case events are published (committed-publisher.ts) —
 * after the commit, never before.
 */
import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import type { WorkerMetricsRecorder } from '../../metrics/index.js';
import { PostgresBatchWriter, SinkBuffer, type BatchStats } from '../../sinks/index.js';
import type { WorkerConnections } from './worker-connections.js';
import { CommittedPublisher } from './committed-publisher.js';

export interface WorkerSink {
  writer: PostgresBatchWriter;
  sink: SinkBuffer;
  published: CommittedPublisher;
}

export function openWorkerSink(options: {
  config: Config;
  databaseUrl: string;
  consumerGroup: string;
  metrics: WorkerMetricsRecorder;
  logger: Logger;
  connections: Pick<WorkerConnections, 'alertPublisher' | 'casePublisher'>;
  onCommitted(partition: number, seq: number): void;
  /** A commit left partitions out because newer owners claimed them (`stats.fencedPartitions`). */
  onFenced(stats: BatchStats): void;
}): WorkerSink {
  const { config, metrics, logger } = options;
  const writer = new PostgresBatchWriter({
    connectionString: options.databaseUrl,
    consumer: options.consumerGroup,
    retryBaseMs: config.sink.retryBaseMs,
    retryMaxMs: config.sink.retryMaxMs,
    breakerFailureThreshold: config.sink.breakerFailureThreshold,
    breakerResetMs: config.sink.breakerResetMs,
    logger,
    onBreakerChange: (state) => logger.warn({ state }, 'sink circuit breaker changed state'),
  });
  // Crash tests only (FAULT_KILL_AFTER_COMMIT): die between a commit and its publishing.
  const killAfterCommit = config.faultKillAfterCommit;
  const published = new CommittedPublisher({
    alertPublisher: options.connections.alertPublisher,
    casePublisher: options.connections.casePublisher,
    outbox: writer,
    metrics,
    logger,
    ...(killAfterCommit === undefined ? {} : { killAfterCommit }),
  });
  const sink = new SinkBuffer({
    writer,
    batchMaxRows: config.sink.batchMaxRows,
    flushIntervalMs: config.sink.flushIntervalMs,
    maxBufferedRows: config.sink.maxBufferedRows,
    encodeOnArrival: true,
    logger,
    onCommitted: (offsets, stats, batch) => {
      for (const [partition, seq] of offsets) options.onCommitted(partition, seq);
      if (stats.fencedPartitions.length > 0) options.onFenced(stats);
      published.committed(stats, batch);
      metrics.inc('sentinel_copy_rows_total', {}, stats.recordsWritten);
      metrics.inc('sentinel_cdr_records_ingested_total', {}, stats.recordsWritten);
      metrics.observe('sentinel_copy_batch_rows', stats.recordsWritten);
      metrics.observe('sentinel_copy_batch_duration_seconds', stats.commitMs / 1_000);
      if (stats.attempts > 1) metrics.inc('sentinel_sink_retries_total', {}, stats.attempts - 1);
    },
  });
  return { writer, sink, published };
}
