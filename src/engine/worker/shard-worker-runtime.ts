/**
 * One shard worker: owns a set of partitions end to end — its own NATS connection and pull consumers, one
 * detection engine per partition, its own Postgres sink — so no CDR ever crosses a thread boundary.
 * Lifecycle: starting → replaying (rebuilding windows from the stream) → ready → stopping.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { WorkerMetricsRecorder } from '../../metrics/index.js';
import { PostgresBatchWriter, SinkBuffer } from '../../sinks/index.js';
import {
  AlertPublisher,
  DeadLetterPublisher,
  cdrSubject,
  partitionConsumerName,
} from '../../stream/index.js';
import type { RuleSettings } from '../../windows/index.js';
import type { PartitionCheckpoint } from './checkpoint-files.js';
import { PartitionCheckpointer } from './partition-checkpointer.js';
import { openPartitionConsumer, type PositionedConsumer } from './partition-consumer.js';
import { PartitionProcessor, type PartitionProcessorDeps } from './partition-processor.js';
import type { MainToWorker, WorkerStartup, WorkerState, WorkerToMain } from '../protocol.js';

/**
 * Messages per pull. Not more: with nats.js 3 against nats-server 2.9, a waiting pull for 1,000 messages
 * sometimes held messages that arrived while it waited until the pull expired (at 5,000 CDR/s over 16
 * partitions: 3% of messages over 500 ms late, p99 3.6–4.4 s), while pulls of 500 or 800 delivered every
 * message within 30 ms (`bench/pipeline/pull-batch-latency.ts` reproduces it without the engine).
 */
const FETCH_BATCH = 500;
/**
 * A pull waits this long for messages. Its idle heartbeat is derived from it, and two missed heartbeats fail
 * the pull: much shorter and a busy machine turns that into noise; longer only delays an idle loop's turn.
 */
const FETCH_EXPIRES_MS = 5_000;
const METRICS_INTERVAL_MS = 1_000;
/** Consumer info is a server round trip per partition: refresh lag from it less often than metrics. */
const LAG_REFRESH_INTERVAL_MS = 2_000;

interface PartitionRun {
  processor: PartitionProcessor;
  /** The pull in progress, stopped at shutdown so the loop does not wait out its expiry. */
  batch: { stop(): void } | undefined;
  position: PositionedConsumer;
  caughtUp: boolean;
  pending: number;
  loop: Promise<void>;
  /** Not pulling because the sink is full: the pending count from the last delivery is going stale. */
  stalled: boolean;
}

export class ShardWorker {
  private readonly metrics = new WorkerMetricsRecorder();
  private readonly runs = new Map<number, PartitionRun>();
  private state: WorkerState = 'starting';
  private stopping = false;
  private nc: NatsConnection | undefined;
  private writer: PostgresBatchWriter | undefined;
  private sink: SinkBuffer | undefined;
  private alertPublisher: AlertPublisher | undefined;
  private deadLetterPublisher: DeadLetterPublisher | undefined;
  private metricsTimer: NodeJS.Timeout | undefined;
  /** Alerts acked by the ALERTS stream, as of the last metrics report. */
  private alertsAckedReported = 0;
  private lagTimer: NodeJS.Timeout | undefined;
  /** Present when CHECKPOINT_INTERVAL is not `off`. */
  private checkpointer: PartitionCheckpointer | undefined;

  constructor(
    private readonly startup: WorkerStartup,
    private readonly post: (message: WorkerToMain) => void,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const { config, partitions } = this.startup;
    this.nc = await connect({
      servers: this.startup.natsUrl,
      name: `sentinel-worker-${this.startup.workerId}`,
      maxReconnectAttempts: -1,
    });
    const js = jetstream(this.nc);
    const jsm = await jetstreamManager(this.nc);
    this.alertPublisher = new AlertPublisher(this.nc, { logger: this.logger, maxInFlight: 256 });
    this.deadLetterPublisher = new DeadLetterPublisher(this.nc, { logger: this.logger, maxInFlight: 256 });
    this.writer = new PostgresBatchWriter({
      connectionString: this.startup.databaseUrl,
      consumer: this.startup.consumerGroup,
      retryBaseMs: config.sink.retryBaseMs,
      retryMaxMs: config.sink.retryMaxMs,
      breakerFailureThreshold: config.sink.breakerFailureThreshold,
      breakerResetMs: config.sink.breakerResetMs,
      logger: this.logger,
      onBreakerChange: (state) => this.logger.warn({ state }, 'sink circuit breaker changed state'),
    });
    const committed = await this.writer.loadOffsets(partitions);
    this.sink = new SinkBuffer({
      writer: this.writer,
      batchMaxRows: config.sink.batchMaxRows,
      flushIntervalMs: config.sink.flushIntervalMs,
      maxBufferedRows: config.sink.maxBufferedRows,
      logger: this.logger,
      onCommitted: (offsets, stats) => {
        for (const [partition, seq] of offsets) this.runs.get(partition)?.processor.acknowledge(seq);
        this.metrics.inc('sentinel_copy_rows_total', {}, stats.recordsWritten);
        this.metrics.inc('sentinel_cdr_records_ingested_total', {}, stats.recordsWritten);
        this.metrics.observe('sentinel_copy_batch_rows', stats.recordsWritten);
        this.metrics.observe('sentinel_copy_batch_duration_seconds', stats.commitMs / 1_000);
        if (stats.attempts > 1) this.metrics.inc('sentinel_sink_retries_total', {}, stats.attempts - 1);
      },
    });
    this.setState('replaying');
    if (config.checkpointIntervalMs !== undefined) {
      this.checkpointer = await PartitionCheckpointer.open({
        dir: config.checkpointDir,
        intervalMs: config.checkpointIntervalMs,
        consumerGroup: this.startup.consumerGroup,
        jsm,
        stream: this.startup.streams.cdr,
        metrics: this.metrics,
        logger: this.logger,
      });
    }
    const longestWindowMs = config.windowsMs[config.windowsMs.length - 1]!;
    const replayFromMs = Date.now() - longestWindowMs - config.allowedLatenessMs;
    // Partitions are positioned side by side: each is a few server round trips, and with no checkpoint the
    // server's search by start time dominates a restart.
    const opened = await Promise.all(
      partitions.map((partition) =>
        this.openPartition(partition, committed.get(partition) ?? 0, replayFromMs, js, jsm),
      ),
    );
    for (const [partition, run] of opened) {
      this.runs.set(partition, run);
      run.loop = this.consumeLoop(partition, run);
    }
    this.checkCaughtUp();
    this.metricsTimer = setInterval(() => this.reportMetrics(), METRICS_INTERVAL_MS);
    this.lagTimer = setInterval(() => void this.refreshLag(), LAG_REFRESH_INTERVAL_MS);
    this.checkpointer?.start();
  }

  /** Builds a partition's processor (from its checkpoint when there is a usable one) and positions its consumer. */
  private async openPartition(
    partition: number,
    committedSeq: number,
    replayFromMs: number,
    js: JetStreamClient,
    jsm: JetStreamManager,
  ): Promise<[number, PartitionRun]> {
    const { config } = this.startup;
    const logger = this.logger.child({ partition });
    const make = (restored?: PartitionCheckpoint): PartitionProcessor =>
      new PartitionProcessor(
        partition,
        { windowsMs: config.windowsMs, allowedLatenessMs: config.allowedLatenessMs },
        this.startup.rules,
        Math.max(1_000, Math.floor(config.dedupCapacity / this.startup.partitions.length)),
        committedSeq,
        this.processorDeps(),
        restored,
      );
    const processor =
      this.checkpointer === undefined
        ? make()
        : await this.checkpointer.restore(partition, committedSeq, make, logger);
    const position = await openPartitionConsumer(
      js,
      jsm,
      {
        stream: this.startup.streams.cdr,
        subject: cdrSubject(partition),
        durableName: partitionConsumerName(this.startup.consumerGroup, partition),
        committedSeq,
        replayFromMs,
        ...(processor.handledSeq > 0 ? { resumeAfterSeq: processor.handledSeq } : {}),
        maxAckPending: Math.max(10_000, config.sink.maxBufferedRows * 2),
      },
      logger,
    );
    const run: PartitionRun = {
      processor,
      batch: undefined,
      position,
      caughtUp: false,
      pending: 0,
      loop: Promise.resolve(),
      stalled: false,
    };
    return [partition, run];
  }

  private processorDeps(): PartitionProcessorDeps {
    return {
      sink: this.sink!,
      metrics: this.metrics,
      workerId: this.startup.workerId,
      publishAlert: (alert) => {
        this.alertPublisher
          ?.publishAlert(alert)
          .catch((error: unknown) =>
            this.logger.error({ err: error, alertKey: alert.alert_key }, 'alert publish failed'),
          );
      },
      publishDeadLetter: (raw, reason, field, subject, seq) => {
        this.metrics.inc('sentinel_dead_letters_total', { reason });
        this.deadLetterPublisher
          ?.publishDeadLetter({ data: raw, reason, field, sourceSubject: subject, sourceSeq: seq })
          .catch((error: unknown) => this.logger.error({ err: error, seq }, 'dead-letter publish failed'));
      },
    };
  }

  /**
   * A delivered message carries the pending count as of its delivery, which goes stale when pulling stops
   * (exactly when lag matters: a slow sink). Consumer info gives the current figure, but only for partitions
   * that stopped pulling: on nats-server 2.9 it recounts a filtered consumer's pending messages over the whole
   * stream, server work not worth doing for partitions whose last delivery already says how far behind they are.
   */
  private async refreshLag(): Promise<void> {
    for (const run of this.runs.values()) {
      if (this.stopping) return;
      if (!run.stalled) continue;
      try {
        const info = await run.position.consumer.info(false);
        run.pending = info.num_pending;
      } catch {
        // keep the last known figure; the fetch loop logs connection problems
      }
    }
  }

  private async consumeLoop(partition: number, run: PartitionRun): Promise<void> {
    const sink = this.sink!;
    let failures = 0;
    while (!this.stopping) {
      try {
        if (!sink.hasCapacity()) {
          run.stalled = true;
          await sink.waitForCapacity();
          continue;
        }
        run.stalled = false;
        // Never pull more than the buffer has room for, split between this worker's partitions: the
        // sink's bound then holds to within a message per partition.
        const room = this.startup.config.sink.maxBufferedRows - sink.bufferedRows;
        const maxMessages = Math.max(1, Math.min(FETCH_BATCH, Math.floor(room / this.runs.size)));
        const batch = await run.position.consumer.fetch({
          max_messages: maxMessages,
          expires: FETCH_EXPIRES_MS,
        });
        run.batch = batch;
        for await (const msg of batch) {
          run.processor.handle(msg);
          run.pending = msg.info.pending;
          if (!run.caughtUp && msg.seq >= run.position.caughtUpSeq) this.checkCaughtUp();
          if (this.stopping) break;
        }
        run.batch = undefined;
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        failures++;
        const delayMs = Math.min(10_000, 100 * 2 ** Math.min(failures, 7));
        // One failed pull is routine (missed heartbeats on a busy host, a server restart); a run of them is not.
        const level = failures >= 3 ? 'warn' : 'debug';
        this.logger[level]({ err: error, partition, delayMs, failures }, 'fetch failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  private checkCaughtUp(): void {
    let all = true;
    for (const run of this.runs.values()) {
      if (!run.caughtUp && run.processor.handledSeq >= run.position.caughtUpSeq) run.caughtUp = true;
      all &&= run.caughtUp;
    }
    if (all && this.state === 'replaying') this.setState('ready');
  }

  private setState(state: WorkerState, detail?: string): void {
    this.state = state;
    this.logger.info({ state, partitions: this.startup.partitions }, `worker ${state}`);
    this.post(detail === undefined ? { type: 'state', state } : { type: 'state', state, detail });
  }

  private reportMetrics(): void {
    const worker = String(this.startup.workerId);
    const footprint = { callers: 0, eventsHeld: 0, bytes: 0 };
    const consumerPending: Record<string, number> = {};
    let lastEventTimeMs = 0;
    for (const [partition, run] of this.runs) {
      const f = run.processor.footprint();
      footprint.callers += f.callers;
      footprint.eventsHeld += f.eventsHeld;
      footprint.bytes += f.bytes;
      consumerPending[String(partition)] = run.pending;
      this.metrics.set('sentinel_consumer_pending', { partition: String(partition) }, run.pending);
      lastEventTimeMs = Math.max(lastEventTimeMs, run.processor.lastEventTimeMs);
    }
    if (this.checkpointer !== undefined)
      this.metrics.set('sentinel_checkpoint_age_seconds', { worker }, this.checkpointer.oldestAgeSeconds());
    this.metrics.set('sentinel_window_callers', { worker }, footprint.callers);
    this.metrics.set('sentinel_window_events', { worker }, footprint.eventsHeld);
    this.metrics.set('sentinel_window_bytes', { worker }, footprint.bytes);
    // publish() resolves when there is room, not when stored: count what the stream acknowledged.
    const alertsAcked = this.alertPublisher?.stats().acked ?? 0;
    this.metrics.inc('sentinel_alerts_published_total', {}, alertsAcked - this.alertsAckedReported);
    this.alertsAckedReported = alertsAcked;
    const bufferedRows = this.sink?.bufferedRows ?? 0;
    this.metrics.set('sentinel_sink_buffered_rows', { worker }, bufferedRows);
    let oldestUnackedMs = Number.POSITIVE_INFINITY;
    for (const run of this.runs.values())
      oldestUnackedMs = Math.min(oldestUnackedMs, run.processor.oldestUnackedMs());
    const sinkLagSeconds = Number.isFinite(oldestUnackedMs)
      ? Math.max(0, Date.now() - oldestUnackedMs) / 1_000
      : 0;
    this.metrics.set('sentinel_sink_lag_seconds', { worker }, sinkLagSeconds);
    const circuit = this.writer?.breakerState() ?? 'closed';
    this.metrics.set(
      'sentinel_sink_circuit_state',
      { worker },
      circuit === 'closed' ? 0 : circuit === 'half-open' ? 1 : 2,
    );
    this.post({
      type: 'metrics',
      report: this.metrics.drain(),
      health: { bufferedRows, sinkCircuit: circuit, consumerPending, window: footprint, lastEventTimeMs },
    });
  }

  handle(message: MainToWorker): void {
    switch (message.type) {
      case 'rules':
        this.applyRules(message.rules);
        return;
      case 'caller-query': {
        const snapshot = this.callerSnapshot(message.caller, message.partition);
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
    for (const run of this.runs.values()) run.processor.setRules(rules);
    this.logger.info({ thresholds: rules.sdhf, allowlist: rules.allowlist.length }, 'rules applied');
  }

  private callerSnapshot(
    caller: number,
    partition: number,
  ): ReturnType<PartitionProcessor['callerSnapshot']> {
    return this.runs.get(partition)?.processor.callerSnapshot(caller);
  }

  /** Stop pulling, commit what is buffered, ack it, close connections. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.setState('stopping');
    clearInterval(this.metricsTimer);
    clearInterval(this.lagTimer);
    for (const run of this.runs.values()) run.batch?.stop();
    await Promise.allSettled([...this.runs.values()].map((run) => run.loop));
    await this.sink?.close();
    // A planned restart (deploy, scale) then resumes from here instead of replaying 24 h.
    await this.checkpointer?.stop();
    await Promise.allSettled([this.alertPublisher?.close(), this.deadLetterPublisher?.close()]);
    this.reportMetrics();
    await this.nc?.drain().catch(() => undefined);
    await this.writer?.close();
    this.post({ type: 'stopped' });
  }
}
