/**
 * Entry point of the feed normaliser thread. The main thread starts it with `FeedStartup` as workerData when
 * FEED_PROFILES names at least one profile; all further communication follows protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../shared/index.js';
import type { FeedStartup, FeedToMain, MainToFeed } from '../protocol.js';
import { FeedRuntime } from './feed-runtime.js';

const port = parentPort;
if (port === null) throw new Error('feed-thread.js must run as a worker thread');
const startup = workerData as FeedStartup;
const logger = createLogger({ level: startup.config.logLevel, format: startup.config.logFormat }).child({
  worker: 'feed',
});
const post = (message: FeedToMain): void => {
  port.postMessage(message);
  // After 'stopped' nothing is left to do; end the thread (the message listener would keep it alive).
  if (message.type === 'stopped') setImmediate(() => process.exit(0));
};
const runtime = new FeedRuntime(startup, post, logger);

port.on('message', (message: MainToFeed) => runtime.handle(message));

runtime.start().catch((error: unknown) => {
  logger.error({ err: error }, 'feed normaliser failed to start');
  post({ type: 'state', state: 'failed', detail: error instanceof Error ? error.message : String(error) });
  // A failed start ends the thread; the main thread restarts it with backoff.
  setTimeout(() => process.exit(1), 100);
});
