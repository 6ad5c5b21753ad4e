export { startService, STREAM_NAMES, ALERTS_SUBJECT_PREFIX } from './service.js';
export type { Service, ServiceOptions } from './service.js';
export { ownedPartitions, assignToWorkers, consumerName } from './partition-assignment.js';
export { RecentIds } from './recent-ids.js';
export { CheckpointFiles, CheckpointError } from './checkpoint-files.js';
export type { PartitionCheckpoint } from './checkpoint-files.js';
export type { WorkerState } from './protocol.js';
export {
  startNatsServer,
  startEmbeddedPostgres,
  NatsServerMissingError,
  findFreePort,
} from './embedded/index.js';
