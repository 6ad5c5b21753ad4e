/**
 * The worker's once-a-second report to the main thread: gauges computed from its partitions and sink, the
 * counters and histograms recorded since the last report, the per-source counts (source-stats.ts) of the pull
 * batches handled since then, and the health figures `/health` shows.
 */
import type { WorkerMetricsRecorder } from '../../metrics/index.js';
import type { PostgresBatchWriter, SinkBuffer } from '../../sinks/index.js';
import type { AlertPublisher } from '../../stream/index.js';
import type { WorkerToMain } from '../protocol.js';
import type { PartitionCheckpointer } from './partition-checkpointer.js';
import type { PartitionRun } from './partition-run.js';
import type { SourceStats } from './source-stats.js';

/** What the report reads, as of the moment it is taken (pieces are absent while the worker starts). */
export interface ReportSources {
  runs: Iterable<PartitionRun>;
  sink: SinkBuffer | undefined;
  writer: PostgresBatchWriter | undefined;
  alertPublisher: AlertPublisher | undefined;
  checkpointer: PartitionCheckpointer | undefined;
}

const CIRCUIT_GAUGE = { closed: 0, 'half-open': 1, open: 2 } as const;

export class WorkerMetricsReporter {
  /** Alerts acked by the ALERTS stream, as of the last report. */
  private alertsAckedReported = 0;
  /** Live CDRs evaluated over all partitions as of the last report, and when that count last moved. */
  private evaluatedReported = 0;
  private lastEvaluatedAtMs = 0;

  constructor(
    private readonly workerId: number,
    private readonly metrics: WorkerMetricsRecorder,
    /** Per-source counts, drained into each report. */
    private readonly sources: SourceStats,
  ) {}

  report(sources: ReportSources): Extract<WorkerToMain, { type: 'metrics' }> {
    const { sink, writer, checkpointer } = sources;
    const metrics = this.metrics;
    const worker = String(this.workerId);
    const footprint = { callers: 0, eventsHeld: 0, bytes: 0 };
    const consumerPending: Record<string, number> = {};
    let lastEventTimeMs = 0;
    let oldestUnackedMs = Number.POSITIVE_INFINITY;
    let evaluated = 0;
    for (const run of sources.runs) {
      evaluated += run.processor.evaluated;
      const f = run.processor.footprint();
      footprint.callers += f.callers;
      footprint.eventsHeld += f.eventsHeld;
      footprint.bytes += f.bytes;
      consumerPending[String(run.partition)] = run.pending;
      metrics.set('sentinel_consumer_pending', { partition: String(run.partition) }, run.pending);
      lastEventTimeMs = Math.max(lastEventTimeMs, run.processor.lastEventTimeMs);
      oldestUnackedMs = Math.min(oldestUnackedMs, run.processor.oldestUncommittedMs());
    }
    if (checkpointer !== undefined)
      metrics.set('sentinel_checkpoint_age_seconds', { worker }, checkpointer.oldestAgeSeconds());
    metrics.set('sentinel_window_callers', { worker }, footprint.callers);
    metrics.set('sentinel_window_events', { worker }, footprint.eventsHeld);
    metrics.set('sentinel_window_bytes', { worker }, footprint.bytes);
    // publish() resolves when there is room, not when stored: count what the stream acknowledged.
    const alertsAcked = sources.alertPublisher?.stats().acked ?? 0;
    metrics.inc('sentinel_alerts_published_total', {}, alertsAcked - this.alertsAckedReported);
    this.alertsAckedReported = alertsAcked;
    // A partition leaving takes its count with it: only growth means a CDR was evaluated since last time.
    if (evaluated > this.evaluatedReported) this.lastEvaluatedAtMs = Date.now();
    this.evaluatedReported = evaluated;
    const bufferedRows = sink?.bufferedRows ?? 0;
    metrics.set('sentinel_sink_buffered_rows', { worker }, bufferedRows);
    const sinkLagSeconds = Number.isFinite(oldestUnackedMs)
      ? Math.max(0, Date.now() - oldestUnackedMs) / 1_000
      : 0;
    metrics.set('sentinel_sink_lag_seconds', { worker }, sinkLagSeconds);
    const circuit = writer?.breakerState() ?? 'closed';
    metrics.set('sentinel_sink_circuit_state', { worker }, CIRCUIT_GAUGE[circuit]);
    return {
      type: 'metrics',
      report: { ...metrics.drain(), sources: this.sources.drain() },
      health: {
        bufferedRows,
        sinkCircuit: circuit,
        consumerPending,
        window: footprint,
        lastEventTimeMs,
        lastEvaluatedAtMs: this.lastEvaluatedAtMs,
      },
    };
  }
}
