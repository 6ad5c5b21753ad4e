/**
 * The engine: shard workers that own CDR partitions end to end, and the main-thread side that starts,
 * supervises and answers for them. `main/` runs on the main thread, `worker/` inside each shard worker thread;
 * `protocol.ts` is the only file both import. Other modules see the composition root and a few names below.
 */
export { startService, STREAM_NAMES, ALERTS_SUBJECT_PREFIX } from './main/service.js';
export type { Service, ServiceOptions } from './main/service.js';
export type { WorkerState } from './protocol.js';
