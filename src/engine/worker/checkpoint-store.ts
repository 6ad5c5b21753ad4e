/** Where this deployment keeps partition checkpoints (CHECKPOINT_STORE): a NATS object store or local files. */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Config } from '../../config/index.js';
import { CheckpointFiles } from './checkpoint-files.js';
import type { CheckpointStore } from './checkpoint-format.js';
import { CheckpointObjects } from './checkpoint-objects.js';

export async function openCheckpointStore(
  config: Config,
  nc: NatsConnection,
  jsm: JetStreamManager,
  consumerGroup: string,
): Promise<CheckpointStore> {
  if (config.checkpointStore === 'local') return new CheckpointFiles(config.checkpointDir, consumerGroup);
  return await CheckpointObjects.open(nc, jsm, {
    bucket: config.checkpointBucket,
    consumerGroup,
    replicas: config.streamReplicas,
  });
}
