/**
 * Main-thread side of the shard workers: starts them, restarts a crashed one with backoff (the others keep
 * running), places the partitions this instance holds leases for on the least busy worker and moves them back
 * onto a restarted one, routes caller queries to the worker running the caller's partition, broadcasts rule
 * changes and folds the workers' metric reports into the one registry.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Metrics } from '../../metrics/index.js';
import type { RuleSettings } from '../../windows/index.js';
import type {
  CallerSnapshot,
  MainToWorker,
  PartitionState,
  WorkerHealthReport,
  WorkerStartup,
  WorkerState,
  WorkerToMain,
} from '../protocol.js';
import { PartitionPlacement, type PlacedPartition } from './partition-placement.js';

const WORKER_STATES: readonly WorkerState[] = ['starting', 'ready', 'failed', 'stopping'];
const REQUEST_TIMEOUT_MS = 5_000;
/** A partition that failed to open (Postgres or NATS unreachable) is tried again after this long. */
const REOPEN_DELAY_MS = 2_000;

export interface WorkerStatus {
  id: number;
  state: WorkerState;
  partitions: number[];
  restarts: number;
  health: WorkerHealthReport | undefined;
}

interface PendingRequest {
  resolve(value: unknown): void;
  timer: NodeJS.Timeout;
}

export class WorkerHandle {
  worker: Worker | undefined;
  state: WorkerState = 'starting';
  restarts = 0;
  health: WorkerHealthReport | undefined;
  readonly pending = new Map<number, PendingRequest>();
  /**
   * Partition → drops posted to this worker whose `released` answer has not come back. That answer is about the
   * run the drop stopped: when the partition was assigned again to this worker meanwhile (the lease was lost
   * and won back in one round), it must not be taken for news about the new run.
   */
  readonly unansweredDrops = new Map<number, number>();
  exited: Promise<void> = Promise.resolve();

  constructor(readonly id: number) {}

  post(message: MainToWorker): void {
    this.worker?.postMessage(message);
  }
}

export interface SupervisorOptions {
  workers: number;
  startupFor(workerId: number, rules: RuleSettings): WorkerStartup;
  rules: RuleSettings;
  metrics: Metrics;
  logger: Logger;
  workerFile: string;
  /** Every partition state a worker reports (ownership reacts to `fenced`; metrics and readiness to all). */
  onPartitionState?: (partition: number, state: PartitionState, detail: string | undefined) => void;
}

export class WorkerSupervisor {
  private readonly handles: WorkerHandle[];
  private readonly placement: PartitionPlacement;
  private rules: RuleSettings;
  private shuttingDown = false;
  private nextRequestId = 1;

  constructor(private readonly options: SupervisorOptions) {
    this.rules = options.rules;
    this.handles = Array.from(
      { length: Math.max(1, options.workers) },
      (_unused, id) => new WorkerHandle(id),
    );
    this.placement = new PartitionPlacement(this.handles);
  }

  start(): void {
    for (const handle of this.handles) this.spawn(handle);
  }

  private spawn(handle: WorkerHandle): void {
    const { logger, metrics } = this.options;
    const worker = new Worker(this.options.workerFile, {
      workerData: this.options.startupFor(handle.id, this.rules),
      name: `sentinel-shard-${handle.id}`,
    });
    handle.worker = worker;
    this.setState(handle, 'starting');
    worker.on('message', (message: WorkerToMain) => this.onMessage(handle, message));
    worker.on('error', (error) => logger.error({ err: error, worker: handle.id }, 'shard worker crashed'));
    handle.exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        for (const [, request] of handle.pending) {
          clearTimeout(request.timer);
          request.resolve(undefined);
        }
        handle.pending.clear();
        handle.unansweredDrops.clear();
        metrics.forgetWorker(String(handle.id));
        resolve();
        // Hand-offs waiting on this worker are over: nothing more of those partitions can be committed.
        for (const placed of this.placement.on(handle)) if (placed.releasing) this.settleRelease(placed);
        if (this.shuttingDown) return;
        handle.restarts++;
        metrics.counter('sentinel_worker_restarts_total').inc();
        this.setState(handle, 'failed');
        for (const placed of this.placement.on(handle)) placed.state = 'opening';
        const delayMs = Math.min(30_000, 500 * 2 ** Math.min(handle.restarts - 1, 6));
        logger.error(
          { worker: handle.id, code, delayMs, restarts: handle.restarts },
          'shard worker exited; restarting',
        );
        setTimeout(() => {
          if (!this.shuttingDown) this.spawn(handle);
        }, delayMs).unref();
      });
    });
  }

  private onMessage(handle: WorkerHandle, message: WorkerToMain): void {
    switch (message.type) {
      case 'state':
        this.setState(handle, message.state);
        // A (re)started worker gets back the partitions this instance still holds for it.
        if (message.state === 'ready')
          for (const placed of this.placement.on(handle))
            if (!placed.releasing)
              handle.post({ type: 'assign', partition: placed.partition, epoch: placed.epoch });
        return;
      case 'partition':
        this.onPartitionState(handle, message.partition, message.state, message.detail);
        return;
      case 'metrics':
        handle.health = message.health;
        this.options.metrics.applyWorkerReport(String(handle.id), message.report);
        this.refreshLastDetection();
        return;
      case 'caller-result':
        this.settle(handle, message.requestId, message.snapshot);
        return;
      case 'applied':
        this.settle(handle, message.requestId, message.applied);
        return;
      case 'stopped':
        return;
    }
  }

  private onPartitionState(
    handle: WorkerHandle,
    partition: number,
    state: PartitionState,
    detail: string | undefined,
  ): void {
    if (state === 'released' && this.answersDrop(handle, partition)) return; // the dropped run, not a new one
    const placed = this.placement.get(partition);
    if (placed === undefined || placed.handle !== handle) return; // a report about a partition moved since
    placed.state = state;
    if (state === 'released' || state === 'fenced') {
      this.placement.remove(partition);
      if (placed.releasing) this.settleRelease(placed);
    }
    if (state === 'failed' && !placed.releasing) {
      setTimeout(() => {
        if (this.placement.get(partition) === placed && placed.state === 'failed' && !this.shuttingDown)
          handle.post({ type: 'assign', partition, epoch: placed.epoch });
      }, REOPEN_DELAY_MS).unref();
    }
    this.options.onPartitionState?.(partition, state, detail);
  }

  /** Whether this `released` report answers a drop (each drop is answered once, in the partition's order). */
  private answersDrop(handle: WorkerHandle, partition: number): boolean {
    const unanswered = handle.unansweredDrops.get(partition) ?? 0;
    if (unanswered === 0) return false;
    if (unanswered === 1) handle.unansweredDrops.delete(partition);
    else handle.unansweredDrops.set(partition, unanswered - 1);
    return true;
  }

  /** The latest wall-clock time any worker evaluated a live CDR: the detection heartbeat (seed metric). */
  private refreshLastDetection(): void {
    const latestMs = Math.max(0, ...this.handles.map((h) => h.health?.lastEvaluatedAtMs ?? 0));
    if (latestMs > 0)
      this.options.metrics.gauge('sentinel_last_detection_timestamp').set(Math.floor(latestMs / 1_000));
  }

  private setState(handle: WorkerHandle, state: WorkerState): void {
    handle.state = state;
    const gauge = this.options.metrics.gauge('sentinel_worker_state');
    for (const candidate of WORKER_STATES) {
      gauge.set({ worker: String(handle.id), state: candidate }, candidate === state ? 1 : 0);
    }
  }

  private settle(handle: WorkerHandle, requestId: number, value: unknown): void {
    const request = handle.pending.get(requestId);
    if (request === undefined) return;
    clearTimeout(request.timer);
    handle.pending.delete(requestId);
    request.resolve(value);
  }

  private settleRelease(placed: PlacedPartition): void {
    this.placement.remove(placed.partition);
    placed.releasing?.resolve();
    placed.releasing = undefined;
  }

  private request<T>(
    handle: WorkerHandle,
    build: (requestId: number) => MainToWorker,
    timeoutMs: number,
  ): Promise<T | undefined> {
    const worker = handle.worker;
    if (worker === undefined || handle.state === 'failed') return Promise.resolve(undefined);
    const requestId = this.nextRequestId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        handle.pending.delete(requestId);
        resolve(undefined);
      }, timeoutMs);
      handle.pending.set(requestId, { resolve: resolve as (value: unknown) => void, timer });
      worker.postMessage(build(requestId));
    });
  }

  /** Starts `partition` on the least busy worker, under the lease epoch `epoch`. */
  assign(partition: number, epoch: number): void {
    const placed = this.placement.place(partition, epoch);
    if (placed.handle.state === 'ready') placed.handle.post({ type: 'assign', partition, epoch });
  }

  /** Graceful hand-off; resolves when the worker has committed and checkpointed the partition (or is gone). */
  release(partition: number): Promise<void> {
    const placed = this.placement.get(partition);
    if (placed === undefined) return Promise.resolve();
    if (placed.releasing !== undefined) return placed.releasing.promise;
    let resolve = (): void => undefined;
    const promise = new Promise<void>((done) => (resolve = done));
    placed.releasing = { promise, resolve };
    if (placed.handle.worker === undefined || placed.handle.state === 'failed') this.settleRelease(placed);
    else placed.handle.post({ type: 'release', partition });
    return promise;
  }

  /** The lease is gone: the worker stops the partition at once and keeps nothing of it. */
  drop(partition: number): void {
    const placed = this.placement.get(partition);
    if (placed === undefined) return;
    this.placement.remove(partition);
    const { handle } = placed;
    if (handle.worker !== undefined)
      handle.unansweredDrops.set(partition, (handle.unansweredDrops.get(partition) ?? 0) + 1);
    handle.post({ type: 'drop', partition });
    placed.releasing?.resolve();
  }

  /** Whether a worker of this process runs the partition now. */
  owns(partition: number): boolean {
    const placed = this.placement.get(partition);
    return placed !== undefined && placed.releasing === undefined;
  }

  partitionState(partition: number): PartitionState | undefined {
    return this.placement.get(partition)?.state;
  }

  /** When the partition was placed here (its lease won), if it is here. */
  placedAtMs(partition: number): number | undefined {
    return this.placement.get(partition)?.placedAtMs;
  }

  async callerSnapshot(caller: number, partition: number): Promise<CallerSnapshot | undefined> {
    const placed = this.placement.get(partition);
    if (placed === undefined) return undefined;
    return await this.request<CallerSnapshot>(
      placed.handle,
      (requestId) => ({ type: 'caller-query', requestId, caller, partition }),
      REQUEST_TIMEOUT_MS,
    );
  }

  async waitApplied(partition: number, seq: number, timeoutMs: number): Promise<boolean> {
    const placed = this.placement.get(partition);
    if (placed === undefined) return false;
    const applied = await this.request<boolean>(
      placed.handle,
      (requestId) => ({ type: 'wait-applied', requestId, partition, seq, timeoutMs }),
      timeoutMs + 1_000,
    );
    return applied === true;
  }

  setRules(rules: RuleSettings): void {
    this.rules = rules;
    for (const handle of this.handles) handle.post({ type: 'rules', rules });
  }

  statuses(): WorkerStatus[] {
    return this.handles.map((h) => ({
      id: h.id,
      state: h.state,
      partitions: this.placement.on(h).map((placed) => placed.partition),
      restarts: h.restarts,
      health: h.health,
    }));
  }

  /** Every worker is up and every partition placed on one has caught up. */
  allReady(): boolean {
    return (
      this.handles.every((h) => h.state === 'ready') && this.placement.all().every((p) => p.state === 'ready')
    );
  }

  /** Asks every worker to flush and stop; terminates those still running at the deadline. */
  async shutdown(deadlineMs: number): Promise<boolean> {
    this.shuttingDown = true;
    for (const handle of this.handles) handle.post({ type: 'shutdown' });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), deadlineMs);
    });
    const clean = await Promise.race([
      Promise.all(this.handles.map((h) => h.exited)).then(() => true),
      deadline,
    ]);
    clearTimeout(timer);
    if (!clean) {
      this.options.logger.error(
        { deadlineMs },
        'shard workers did not stop before the deadline; terminating',
      );
      await Promise.all(this.handles.map((h) => h.worker?.terminate()));
    }
    return clean;
  }

  /** Test and chaos hook: kill one worker abruptly, as a crash would. */
  async crash(workerId: number): Promise<void> {
    await this.handles[workerId]?.worker?.terminate();
  }
}
