/**
 * One shard worker: owns a set of partitions end to end — its own NATS connection and pull consumers, one
 * detection engine per partition, its own Postgres sink — so no CDR ever crosses a thread boundary.
 * Lifecycle: starting → replaying (rebuilding windows from the stream) → ready → stopping. This file is the
 * order of things; each piece lives in its own file (connections, sink, partition runs, lag, metrics report).
 */
import type { Logger } from 'pino';
import { WorkerMetricsRecorder } from '../../metrics/index.js';
import type { RuleSettings } from '../../windows/index.js';
import type { MainToWorker, WorkerStartup, WorkerState, WorkerToMain } from '../protocol.js';
import { LagRefresher } from './lag-refresher.js';
import { PartitionCheckpointer } from './partition-checkpointer.js';
import type { PartitionProcessorDeps } from './partition-processor.js';
import { PartitionRun, type PartitionRunContext } from './partition-run.js';
import {
  closeWorkerConnections,
  openWorkerConnections,
  type WorkerConnections,
} from './worker-connections.js';
import { WorkerMetricsReporter } from './worker-metrics-report.js';
import { openWorkerSink, type WorkerSink } from './worker-sink.js';

const METRICS_INTERVAL_MS = 1_000;

export class ShardWorker {
  private readonly metrics = new WorkerMetricsRecorder();
  private readonly runs = new Map<number, PartitionRun>();
  private readonly reporter: WorkerMetricsReporter;
  private readonly lag = new LagRefresher(() => this.runs.values());
  private state: WorkerState = 'starting';
  private stopping = false;
  private rules: RuleSettings;
  private connections: WorkerConnections | undefined;
  private io: WorkerSink | undefined;
  private metricsTimer: NodeJS.Timeout | undefined;
  /** Present when CHECKPOINT_INTERVAL is not `off`. */
  private checkpointer: PartitionCheckpointer | undefined;

  constructor(
    private readonly startup: WorkerStartup,
    private readonly post: (message: WorkerToMain) => void,
    private readonly logger: Logger,
  ) {
    this.rules = startup.rules;
    this.reporter = new WorkerMetricsReporter(startup.workerId, this.metrics);
  }

  async start(): Promise<void> {
    const { config, partitions } = this.startup;
    const connections = await openWorkerConnections(this.startup.natsUrl, this.startup.workerId, this.logger);
    this.connections = connections;
    const io = openWorkerSink({
      config,
      databaseUrl: this.startup.databaseUrl,
      consumerGroup: this.startup.consumerGroup,
      metrics: this.metrics,
      logger: this.logger,
      onCommitted: (partition, seq) => this.runs.get(partition)?.processor.acknowledge(seq),
    });
    this.io = io;
    const committed = await io.writer.loadOffsets(partitions);
    this.setState('replaying');
    if (config.checkpointIntervalMs !== undefined) {
      this.checkpointer = await PartitionCheckpointer.open({
        dir: config.checkpointDir,
        intervalMs: config.checkpointIntervalMs,
        consumerGroup: this.startup.consumerGroup,
        jsm: connections.jsm,
        stream: this.startup.streams.cdr,
        metrics: this.metrics,
        logger: this.logger,
      });
    }
    const context = this.runContext(connections, io);
    const longestWindowMs = config.windowsMs[config.windowsMs.length - 1]!;
    const replayFromMs = Date.now() - longestWindowMs - config.allowedLatenessMs;
    // Partitions are positioned side by side: each is a few server round trips, and with no checkpoint the
    // server's search by start time dominates a restart.
    const rulesAtOpen = this.rules;
    const opened = await Promise.all(
      partitions.map((partition) =>
        PartitionRun.open(partition, committed.get(partition) ?? 0, rulesAtOpen, replayFromMs, context),
      ),
    );
    for (const run of opened) {
      // Rules that changed while the partition was being opened reach it before its first record.
      if (this.rules !== rulesAtOpen) run.processor.setRules(this.rules);
      this.runs.set(run.partition, run);
    }
    for (const run of opened) run.start(() => this.checkCaughtUp());
    this.checkCaughtUp();
    this.metricsTimer = setInterval(() => this.reportMetrics(), METRICS_INTERVAL_MS);
    this.lag.start();
    this.checkpointer?.start();
  }

  private runContext(connections: WorkerConnections, io: WorkerSink): PartitionRunContext {
    return {
      config: this.startup.config,
      consumerGroup: this.startup.consumerGroup,
      cdrStream: this.startup.streams.cdr,
      partitionCount: () => this.startup.partitions.length,
      sink: io.sink,
      processorDeps: this.processorDeps(connections, io),
      checkpointer: this.checkpointer,
      js: connections.js,
      jsm: connections.jsm,
      logger: this.logger,
    };
  }

  private processorDeps(connections: WorkerConnections, io: WorkerSink): PartitionProcessorDeps {
    return {
      sink: io.sink,
      metrics: this.metrics,
      workerId: this.startup.workerId,
      publishAlert: (alert) => {
        connections.alertPublisher
          .publishAlert(alert)
          .catch((error: unknown) =>
            this.logger.error({ err: error, alertKey: alert.alert_key }, 'alert publish failed'),
          );
      },
      publishDeadLetter: (raw, reason, field, subject, seq) => {
        this.metrics.inc('sentinel_dead_letters_total', { reason });
        connections.deadLetterPublisher
          .publishDeadLetter({ data: raw, reason, field, sourceSubject: subject, sourceSeq: seq })
          .catch((error: unknown) => this.logger.error({ err: error, seq }, 'dead-letter publish failed'));
      },
    };
  }

  private checkCaughtUp(): void {
    let all = true;
    for (const run of this.runs.values()) all = run.checkCaughtUp() && all;
    if (all && this.state === 'replaying') this.setState('ready');
  }

  private setState(state: WorkerState, detail?: string): void {
    this.state = state;
    this.logger.info({ state, partitions: this.startup.partitions }, `worker ${state}`);
    this.post(detail === undefined ? { type: 'state', state } : { type: 'state', state, detail });
  }

  private reportMetrics(): void {
    this.post(
      this.reporter.report({
        runs: this.runs.values(),
        sink: this.io?.sink,
        writer: this.io?.writer,
        alertPublisher: this.connections?.alertPublisher,
        checkpointer: this.checkpointer,
      }),
    );
  }

  handle(message: MainToWorker): void {
    switch (message.type) {
      case 'rules':
        this.applyRules(message.rules);
        return;
      case 'caller-query': {
        const stats = this.runs.get(message.partition)?.processor.callerStats(message.caller);
        const snapshot =
          stats === undefined
            ? undefined
            : { partition: message.partition, worker: this.startup.workerId, stats };
        this.post({ type: 'caller-result', requestId: message.requestId, snapshot });
        return;
      }
      case 'wait-applied': {
        const run = this.runs.get(message.partition);
        if (run === undefined) {
          this.post({ type: 'applied', requestId: message.requestId, applied: false });
          return;
        }
        void run.processor
          .waitApplied(message.seq, message.timeoutMs)
          .then((applied) => this.post({ type: 'applied', requestId: message.requestId, applied }));
        return;
      }
      case 'shutdown':
        void this.stop();
        return;
    }
  }

  private applyRules(rules: RuleSettings): void {
    this.rules = rules;
    for (const run of this.runs.values()) run.processor.setRules(rules);
    this.logger.info({ thresholds: rules.sdhf, allowlist: rules.allowlist.length }, 'rules applied');
  }

  /** Stop pulling, commit what is buffered, ack it, write final checkpoints, close connections. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.setState('stopping');
    clearInterval(this.metricsTimer);
    this.lag.stop();
    await Promise.allSettled([...this.runs.values()].map((run) => run.stop()));
    await this.io?.sink.close();
    // A planned restart (deploy, scale) then resumes from here instead of replaying 24 h.
    await this.checkpointer?.stop();
    if (this.connections !== undefined) await closeWorkerConnections(this.connections);
    this.reportMetrics();
    await this.io?.writer.close();
    this.post({ type: 'stopped' });
  }
}
