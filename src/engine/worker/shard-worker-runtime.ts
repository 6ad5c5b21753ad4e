/**
 * One shard worker: runs the partitions the main thread assigns to it end to end — its own NATS connection
 * and consumers, one detection engine per partition, its own Postgres sink — so no CDR ever crosses a thread
 * boundary. Partitions arrive (`assign`, under a lease epoch), leave gracefully (`release`: commit,
 * checkpoint, report) or are dropped at once (`drop`: the lease was lost); a commit Postgres refuses because
 * a newer owner claimed the partition stops that partition (`fenced`). This file is the order of things; each
 * piece lives in its own file (connections, sink, partition runs, lag, metrics report, checkpoints).
 */
import type { Logger } from 'pino';
import { WorkerMetricsRecorder } from '../../metrics/index.js';
import type { BatchStats } from '../../sinks/index.js';
import { CDR_SUBJECT_PREFIX, cdrLayout, type CdrLayout } from '../../stream/index.js';
import { defaultFeedDelayMs, type RuleSettings } from '../../windows/index.js';
import type { MainToWorker, PartitionState, WorkerStartup, WorkerState, WorkerToMain } from '../protocol.js';
import { openCheckpointStore } from './checkpoint-store.js';
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
import { SourceStats } from './source-stats.js';
import { openWorkerSink, type WorkerSink } from './worker-sink.js';

const METRICS_INTERVAL_MS = 1_000;
/** How often the owner re-publishes its partitions' unmarked alerts and case events, and how old they must be. */
const OUTBOX_SWEEP_INTERVAL_MS = 30_000;
const OUTBOX_SWEEP_MIN_AGE_MS = 30_000;
/** After a message JetStream did not store, the partition's outbox is published again this soon (doubling). */
const OUTBOX_RETRY_FIRST_MS = 1_000;

export class ShardWorker {
  private readonly metrics = new WorkerMetricsRecorder();
  private readonly runs = new Map<number, PartitionRun>();
  /** Per partition, the end of its last assign/release/drop: they run one after another, in order. */
  private readonly turns = new Map<number, Promise<void>>();
  private readonly reporter: WorkerMetricsReporter;
  private readonly sources: SourceStats;
  private readonly lag = new LagRefresher(() => this.runs.values());
  private stopping = false;
  private rules: RuleSettings;
  private readonly layout: CdrLayout;
  private connections: WorkerConnections | undefined;
  private io: WorkerSink | undefined;
  private context: PartitionRunContext | undefined;
  private metricsTimer: NodeJS.Timeout | undefined;
  private outboxTimer: NodeJS.Timeout | undefined;
  private readonly outboxRetry = {
    timer: undefined as NodeJS.Timeout | undefined,
    delayMs: 0,
    partitions: new Set<number>(),
  };
  /** Present when CHECKPOINT_INTERVAL is not `off`. */
  private checkpointer: PartitionCheckpointer | undefined;

  constructor(
    private readonly startup: WorkerStartup,
    private readonly post: (message: WorkerToMain) => void,
    private readonly logger: Logger,
  ) {
    this.rules = startup.rules;
    this.layout = cdrLayout(startup.streams.cdrLayout, startup.streams.cdr, CDR_SUBJECT_PREFIX);
    this.sources = new SourceStats(startup.config.sources.maxLabels);
    this.reporter = new WorkerMetricsReporter(startup.workerId, this.metrics, this.sources);
  }

  async start(): Promise<void> {
    const { config } = this.startup;
    const connections = await openWorkerConnections(this.startup.natsUrl, this.startup.workerId, this.logger);
    this.connections = connections;
    const io = openWorkerSink({
      config,
      databaseUrl: this.startup.databaseUrl,
      consumerGroup: this.startup.consumerGroup,
      metrics: this.metrics,
      logger: this.logger,
      connections,
      onCommitted: (partition, seq) => this.runs.get(partition)?.processor.markCommitted(seq),
      onFenced: (stats) => this.fenced(stats),
    });
    this.io = io;
    if (config.checkpointIntervalMs !== undefined) {
      this.checkpointer = new PartitionCheckpointer({
        store: await openCheckpointStore(config, connections.nc, connections.jsm, this.startup.consumerGroup),
        intervalMs: config.checkpointIntervalMs,
        metrics: this.metrics,
        logger: this.logger,
      });
      this.checkpointer.start();
    }
    this.context = {
      config,
      consumerGroup: this.startup.consumerGroup,
      layout: this.layout,
      partitionCount: () => Math.max(1, this.runs.size),
      sink: io.sink,
      processorDeps: this.processorDeps(connections, io),
      checkpointer: this.checkpointer,
      js: connections.js,
      jsm: connections.jsm,
      logger: this.logger,
    };
    this.metricsTimer = setInterval(() => this.reportMetrics(), METRICS_INTERVAL_MS);
    this.outboxTimer = setInterval(() => this.sweepOutbox(), OUTBOX_SWEEP_INTERVAL_MS);
    io.published.onPublishFailed((partition) => this.retryOutboxSoon(partition));
    this.lag.start();
    this.setState('ready');
  }

  private processorDeps(connections: WorkerConnections, io: WorkerSink): PartitionProcessorDeps {
    return {
      sink: io.sink,
      metrics: this.metrics,
      sources: this.sources,
      workerId: this.startup.workerId,
      publishDeadLetter: (raw, reason, field, subject, seq) => {
        this.metrics.inc('sentinel_dead_letters_total', { reason });
        connections.deadLetterPublisher
          .publishDeadLetter({ data: raw, reason, field, sourceSubject: subject, sourceSeq: seq })
          .catch((error: unknown) => this.logger.error({ err: error, seq }, 'dead-letter publish failed'));
      },
    };
  }

  /** Runs `step` for the partition after whatever was asked of it before. */
  private inTurn(partition: number, step: () => Promise<void>): void {
    const previous = this.turns.get(partition) ?? Promise.resolve();
    const next = previous.then(step).catch((error: unknown) => {
      this.logger.error({ err: error, partition }, 'partition step failed');
    });
    this.turns.set(partition, next);
    void next.finally(() => {
      if (this.turns.get(partition) === next) this.turns.delete(partition);
    });
  }

  /**
   * Claims the partition in Postgres under the lease epoch (fencing every older owner), restores or rebuilds
   * its state and starts consuming. Reports `replaying`, then `ready` once it has caught up.
   */
  private async open(partition: number, epoch: number): Promise<void> {
    if (this.stopping || this.runs.has(partition)) return;
    const context = this.context!;
    const io = this.io!;
    const logger = this.logger.child({ partition });
    this.report(partition, 'opening');
    try {
      const stream = await this.streamIdentity(partition);
      const claim = await io.writer.claimPartition({ partition, epoch, stream, owner: this.startup.owner });
      if (!claim.claimed) {
        logger.warn(
          { epoch, storedEpoch: claim.storedEpoch, storedOwner: claim.storedOwner },
          'claim fenced',
        );
        this.metrics.inc('sentinel_fenced_commits_total', { stage: 'claim' });
        this.report(partition, 'fenced', `a newer owner (epoch ${claim.storedEpoch}) holds it`);
        return;
      }
      if (claim.reset) {
        this.metrics.inc('sentinel_offset_resets_total');
        logger.warn({ stream }, 'stored offset belonged to an earlier stream of that name: starting over');
      }
      io.sink.setEpoch(partition, epoch);
      // Alerts and case events an earlier owner committed but did not get onto NATS go out before any new one.
      const republished = await io.published.publishBacklog(partition);
      if (republished > 0)
        logger.info({ republished }, 'published alerts and case events left by the previous owner');
      const { config } = this.startup;
      const longestWindowMs = config.windowsMs[config.windowsMs.length - 1]!;
      // No record is windowed further behind the partition clock than the feed delay (ADR 0011).
      const replayFromMs = Date.now() - longestWindowMs - defaultFeedDelayMs(config.allowedLatenessMs);
      const rulesAtOpen = this.rules;
      const run = await PartitionRun.open(
        partition,
        claim.committedSeq,
        rulesAtOpen,
        replayFromMs,
        stream,
        epoch,
        context,
      );
      // Rules that changed while the partition was being opened reach it before its first record.
      if (this.rules !== rulesAtOpen) run.processor.setRules(this.rules);
      if (this.stopping) return;
      this.runs.set(partition, run);
      this.report(partition, 'replaying');
      run.start(() => this.checkCaughtUp(run));
      this.checkCaughtUp(run);
    } catch (error) {
      logger.error({ err: error }, 'partition could not be opened');
      this.report(partition, 'failed', error instanceof Error ? error.message : String(error));
    }
  }

  /** Name and creation time of the partition's stream: offsets and checkpoints of a re-created one are refused. */
  private async streamIdentity(partition: number): Promise<string> {
    const info = await this.connections!.jsm.streams.info(this.layout.streamOf(partition));
    return `${info.config.name}@${info.created}`;
  }

  /**
   * A message of `partition` was not stored (its stream was electing a leader, NATS was away): publish the
   * partition's outbox again after a short, doubling delay, capped by the regular sweep, rather than 30 s later.
   */
  private retryOutboxSoon(partition: number): void {
    const retry = this.outboxRetry;
    retry.partitions.add(partition);
    if (retry.timer !== undefined || this.stopping) return;
    retry.delayMs = Math.min(Math.max(retry.delayMs * 2, OUTBOX_RETRY_FIRST_MS), OUTBOX_SWEEP_INTERVAL_MS);
    retry.timer = setTimeout(() => {
      retry.timer = undefined;
      const partitions = [...retry.partitions];
      retry.partitions.clear();
      const io = this.io;
      if (io === undefined || this.stopping) return;
      for (const p of partitions) {
        this.inTurn(p, async () => {
          if (!this.runs.has(p)) return;
          await io.published.publishBacklog(p, 0);
          // A round without a new refusal ends the back-off; a refused message has scheduled the next round.
          if (retry.partitions.size === 0 && retry.timer === undefined) retry.delayMs = 0;
        });
      }
    }, retry.delayMs);
    retry.timer.unref();
  }

  /** Re-publishes each running partition's alerts and case events still unmarked after a while (NATS was down). */
  private sweepOutbox(): void {
    const io = this.io;
    if (io === undefined || this.stopping) return;
    for (const partition of this.runs.keys()) {
      this.inTurn(partition, async () => {
        if (!this.runs.has(partition)) return;
        const republished = await io.published.publishBacklog(partition, OUTBOX_SWEEP_MIN_AGE_MS);
        if (republished > 0)
          this.logger.warn({ partition, republished }, 'published unmarked alerts and case events');
      });
    }
  }

  private checkCaughtUp(run: PartitionRun): void {
    if (run.caughtUp || !run.checkCaughtUp()) return;
    this.report(run.partition, 'ready');
  }

  /** Hand-off: stop pulling, commit what is buffered, write a final checkpoint, report `released`. */
  private async release(partition: number): Promise<void> {
    const run = this.runs.get(partition);
    if (run !== undefined) {
      await run.stop();
      await this.io?.sink.flush().catch((error: unknown) => {
        this.logger.warn({ err: error, partition }, 'final commit before hand-off failed');
      });
      await this.io?.published.settle();
      this.runs.delete(partition);
      await this.checkpointer?.finalize(partition);
    }
    this.report(partition, 'released');
  }

  /** The lease is gone: stop at once and keep nothing (what is buffered commits only if still ours). */
  private async drop(partition: number, state: PartitionState): Promise<void> {
    const run = this.runs.get(partition);
    this.runs.delete(partition);
    this.checkpointer?.forget(partition);
    await run?.stop();
    this.report(partition, state);
  }

  private fenced(stats: BatchStats): void {
    for (const partition of stats.fencedPartitions) {
      if (!this.runs.has(partition)) continue;
      this.metrics.inc('sentinel_fenced_commits_total', { stage: 'commit' });
      this.logger.warn({ partition }, 'commit fenced: a newer owner claimed the partition; stopping it');
      this.inTurn(partition, () => this.drop(partition, 'fenced'));
    }
  }

  private report(partition: number, state: PartitionState, detail?: string): void {
    this.post(
      detail === undefined
        ? { type: 'partition', partition, state }
        : { type: 'partition', partition, state, detail },
    );
  }

  private setState(state: WorkerState, detail?: string): void {
    this.logger.info({ state }, `worker ${state}`);
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
      case 'assign':
        this.inTurn(message.partition, () => this.open(message.partition, message.epoch));
        return;
      case 'release':
        this.inTurn(message.partition, () => this.release(message.partition));
        return;
      case 'drop':
        this.inTurn(message.partition, () => this.drop(message.partition, 'released'));
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
    clearInterval(this.outboxTimer);
    clearTimeout(this.outboxRetry.timer);
    this.sources.stop();
    this.lag.stop();
    await Promise.allSettled([...this.turns.values()]);
    await Promise.allSettled([...this.runs.values()].map((run) => run.stop()));
    await this.io?.sink.close();
    // A planned restart (deploy, scale) then resumes from here instead of replaying 24 h.
    await this.checkpointer?.stop();
    for (const partition of this.runs.keys()) this.report(partition, 'released');
    if (this.connections !== undefined) await closeWorkerConnections(this.connections);
    // Every publish is settled now: mark what was acknowledged before the writer's connection goes.
    await this.io?.published.flushMarks();
    this.reportMetrics();
    await this.io?.writer.close();
    this.post({ type: 'stopped' });
  }
}
