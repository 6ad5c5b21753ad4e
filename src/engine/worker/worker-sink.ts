/**
 * A shard worker's Postgres sink: the batch writer (its own connection, retries, circuit breaker) behind a
 * bounded buffer, with each commit's figures counted. `onCommitted` tells the partitions how far Postgres now
 * holds their records, which is when they ack JetStream.
 */
import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import type { WorkerMetricsRecorder } from '../../metrics/index.js';
import { PostgresBatchWriter, SinkBuffer, type BatchStats } from '../../sinks/index.js';

export interface WorkerSink {
  writer: PostgresBatchWriter;
  sink: SinkBuffer;
}

export function openWorkerSink(options: {
  config: Config;
  databaseUrl: string;
  consumerGroup: string;
  metrics: WorkerMetricsRecorder;
  logger: Logger;
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
  const sink = new SinkBuffer({
    writer,
    batchMaxRows: config.sink.batchMaxRows,
    flushIntervalMs: config.sink.flushIntervalMs,
    maxBufferedRows: config.sink.maxBufferedRows,
    encodeOnArrival: true,
    logger,
    onCommitted: (offsets, stats) => {
      for (const [partition, seq] of offsets) options.onCommitted(partition, seq);
      if (stats.fencedPartitions.length > 0) options.onFenced(stats);
      metrics.inc('sentinel_copy_rows_total', {}, stats.recordsWritten);
      metrics.inc('sentinel_cdr_records_ingested_total', {}, stats.recordsWritten);
      metrics.observe('sentinel_copy_batch_rows', stats.recordsWritten);
      metrics.observe('sentinel_copy_batch_duration_seconds', stats.commitMs / 1_000);
      if (stats.attempts > 1) metrics.inc('sentinel_sink_retries_total', {}, stats.attempts - 1);
    },
  });
  return { writer, sink };
}
