/**
 * Entry point of a shard worker thread. The main thread starts it with `WorkerStartup` as workerData; all
 * further communication follows protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../shared/index.js';
import type { MainToWorker, WorkerStartup, WorkerToMain } from '../protocol.js';
import { ShardWorker } from './shard-worker-runtime.js';

const port = parentPort;
if (port === null) throw new Error('shard-worker.js must run as a worker thread');
const startup = workerData as WorkerStartup;
const logger = createLogger({ level: startup.config.logLevel, format: startup.config.logFormat }).child({
  worker: startup.workerId,
});
const post = (message: WorkerToMain): void => {
  port.postMessage(message);
  // After 'stopped' nothing is left to do; end the thread (the message listener would keep it alive).
  if (message.type === 'stopped') setImmediate(() => process.exit(0));
};
const worker = new ShardWorker(startup, post, logger);

port.on('message', (message: MainToWorker) => worker.handle(message));

worker.start().catch((error: unknown) => {
  logger.error({ err: error }, 'worker failed to start');
  post({ type: 'state', state: 'failed', detail: error instanceof Error ? error.message : String(error) });
  // A failed start ends the thread; the supervisor restarts it with backoff.
  setTimeout(() => process.exit(1), 100);
});
