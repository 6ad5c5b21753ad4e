/**
 * Main-thread side of the shard workers: starts them, restarts a crashed one with backoff (the others keep
 * running), routes caller queries to the owner of the caller's partition, broadcasts rule changes and folds
 * the workers' metric reports into the one registry.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Metrics } from '../../metrics/index.js';
import type { RuleSettings } from '../../windows/index.js';
import type {
  CallerSnapshot,
  MainToWorker,
  WorkerHealthReport,
  WorkerStartup,
  WorkerState,
  WorkerToMain,
} from '../protocol.js';

const WORKER_STATES: readonly WorkerState[] = ['starting', 'replaying', 'ready', 'failed', 'stopping'];
const REQUEST_TIMEOUT_MS = 5_000;

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

class WorkerHandle {
  worker: Worker | undefined;
  state: WorkerState = 'starting';
  restarts = 0;
  health: WorkerHealthReport | undefined;
  readonly pending = new Map<number, PendingRequest>();
  exited: Promise<void> = Promise.resolve();

  constructor(
    readonly id: number,
    readonly partitions: number[],
  ) {}
}

export interface SupervisorOptions {
  assignment: number[][];
  startupFor(workerId: number, partitions: number[], rules: RuleSettings): WorkerStartup;
  rules: RuleSettings;
  metrics: Metrics;
  logger: Logger;
  workerFile: string;
  /** Called on every state change (readiness, logs). */
  onStateChange?: (workerId: number, state: WorkerState) => void;
}

export class WorkerSupervisor {
  private readonly handles: WorkerHandle[];
  private readonly owner = new Map<number, WorkerHandle>();
  private rules: RuleSettings;
  private shuttingDown = false;
  private nextRequestId = 1;

  constructor(private readonly options: SupervisorOptions) {
    this.rules = options.rules;
    this.handles = options.assignment.map((partitions, id) => new WorkerHandle(id, partitions));
    for (const handle of this.handles)
      for (const partition of handle.partitions) this.owner.set(partition, handle);
  }

  start(): void {
    for (const handle of this.handles) this.spawn(handle);
  }

  private spawn(handle: WorkerHandle): void {
    const { logger, metrics } = this.options;
    const worker = new Worker(this.options.workerFile, {
      workerData: this.options.startupFor(handle.id, handle.partitions, this.rules),
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
        metrics.forgetWorker(String(handle.id));
        resolve();
        if (this.shuttingDown) return;
        handle.restarts++;
        metrics.counter('sentinel_worker_restarts_total').inc();
        this.setState(handle, 'failed');
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
        return;
      case 'metrics':
        handle.health = message.health;
        this.options.metrics.applyWorkerReport(String(handle.id), message.report);
        if (message.health.lastEventTimeMs > 0) {
          const gauge = this.options.metrics.gauge('sentinel_last_detection_timestamp');
          gauge.set(Math.floor(Date.now() / 1_000));
        }
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

  private setState(handle: WorkerHandle, state: WorkerState): void {
    handle.state = state;
    const gauge = this.options.metrics.gauge('sentinel_worker_state');
    for (const candidate of WORKER_STATES) {
      gauge.set({ worker: String(handle.id), state: candidate }, candidate === state ? 1 : 0);
    }
    this.options.onStateChange?.(handle.id, state);
  }

  private settle(handle: WorkerHandle, requestId: number, value: unknown): void {
    const request = handle.pending.get(requestId);
    if (request === undefined) return;
    clearTimeout(request.timer);
    handle.pending.delete(requestId);
    request.resolve(value);
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

  /** Whether this process owns the partition. */
  owns(partition: number): boolean {
    return this.owner.has(partition);
  }

  async callerSnapshot(caller: number, partition: number): Promise<CallerSnapshot | undefined> {
    const handle = this.owner.get(partition);
    if (handle === undefined) return undefined;
    return await this.request<CallerSnapshot>(
      handle,
      (requestId) => ({ type: 'caller-query', requestId, caller, partition }),
      REQUEST_TIMEOUT_MS,
    );
  }

  async waitApplied(partition: number, seq: number, timeoutMs: number): Promise<boolean> {
    const handle = this.owner.get(partition);
    if (handle === undefined) return false;
    const applied = await this.request<boolean>(
      handle,
      (requestId) => ({ type: 'wait-applied', requestId, partition, seq, timeoutMs }),
      timeoutMs + 1_000,
    );
    return applied === true;
  }

  setRules(rules: RuleSettings): void {
    this.rules = rules;
    for (const handle of this.handles)
      handle.worker?.postMessage({ type: 'rules', rules } satisfies MainToWorker);
  }

  statuses(): WorkerStatus[] {
    return this.handles.map((h) => ({
      id: h.id,
      state: h.state,
      partitions: h.partitions,
      restarts: h.restarts,
      health: h.health,
    }));
  }

  allReady(): boolean {
    return this.handles.every((h) => h.state === 'ready');
  }

  /** Asks every worker to flush and stop; terminates those still running at the deadline. */
  async shutdown(deadlineMs: number): Promise<boolean> {
    this.shuttingDown = true;
    for (const handle of this.handles)
      handle.worker?.postMessage({ type: 'shutdown' } satisfies MainToWorker);
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
