/**
 * Main-thread side of the feed normaliser thread: starts it, restarts it with backoff when it dies (the shard
 * workers are not affected), folds its metric reports into the registry and stops it on shutdown. It does not
 * gate readiness: a feed outage delays the switches that use feeds, nothing else.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Metrics } from '../../metrics/index.js';
import type { FeedStartup, FeedToMain, MainToFeed, WorkerState } from '../protocol.js';

const WORKER_STATES: readonly WorkerState[] = ['starting', 'ready', 'failed', 'stopping'];
const WORKER_LABEL = 'feed';

export interface FeedSupervisorOptions {
  startup: FeedStartup;
  workerFile: string;
  metrics: Metrics;
  logger: Logger;
}

export class FeedSupervisor {
  private worker: Worker | undefined;
  private exited: Promise<void> = Promise.resolve();
  private shuttingDown = false;
  private restarts = 0;
  state: WorkerState = 'starting';

  constructor(private readonly options: FeedSupervisorOptions) {}

  start(): void {
    const { logger, metrics } = this.options;
    const worker = new Worker(this.options.workerFile, {
      workerData: this.options.startup,
      name: 'sentinel-feed',
    });
    this.worker = worker;
    this.setState('starting');
    worker.on('message', (message: FeedToMain) => this.onMessage(message));
    worker.on('error', (error) => logger.error({ err: error }, 'feed normaliser crashed'));
    this.exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        metrics.forgetWorker(WORKER_LABEL);
        resolve();
        if (this.shuttingDown) return;
        this.restarts++;
        metrics.counter('sentinel_worker_restarts_total').inc();
        this.setState('failed');
        const delayMs = Math.min(30_000, 500 * 2 ** Math.min(this.restarts - 1, 6));
        logger.error({ code, delayMs, restarts: this.restarts }, 'feed normaliser exited; restarting');
        setTimeout(() => {
          if (!this.shuttingDown) this.start();
        }, delayMs).unref();
      });
    });
  }

  private onMessage(message: FeedToMain): void {
    switch (message.type) {
      case 'state':
        this.setState(message.state);
        return;
      case 'metrics':
        this.options.metrics.applyWorkerReport(WORKER_LABEL, message.report);
        return;
      case 'stopped':
        return;
    }
  }

  private setState(state: WorkerState): void {
    this.state = state;
    const gauge = this.options.metrics.gauge('sentinel_worker_state');
    for (const candidate of WORKER_STATES)
      gauge.set({ worker: WORKER_LABEL, state: candidate }, candidate === state ? 1 : 0);
  }

  /** Asks the thread to finish its batches and stop; terminates it at the deadline. */
  async shutdown(deadlineMs: number): Promise<boolean> {
    this.shuttingDown = true;
    this.worker?.postMessage({ type: 'shutdown' } satisfies MainToFeed);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), deadlineMs);
    });
    const clean = await Promise.race([this.exited.then(() => true), deadline]);
    clearTimeout(timer);
    if (!clean) {
      this.options.logger.error(
        { deadlineMs },
        'feed normaliser did not stop before the deadline; terminating',
      );
      await this.worker?.terminate();
    }
    return clean;
  }
}
