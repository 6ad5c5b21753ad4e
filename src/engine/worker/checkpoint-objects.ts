/**
 * Partition checkpoints in a NATS object store bucket (CHECKPOINT_STORE=nats, the default): replicated like
 * the streams, so whichever instance claims a partition next restores it instead of replaying 24 h. One object
 * per partition, `<consumer group>/partition-<p>`; a put replaces the object only once all its chunks are
 * stored, so a reader sees the old checkpoint or the new one, never a mix. Format: checkpoint-format.ts.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { Objm, type ObjectStore } from '@nats-io/obj';
import {
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  type CheckpointStore,
  type PartitionCheckpoint,
} from './checkpoint-format.js';

export class CheckpointObjects implements CheckpointStore {
  private constructor(
    private readonly bucket: ObjectStore,
    private readonly bucketName: string,
    private readonly consumerGroup: string,
  ) {}

  /** Opens the bucket, creating it, or raising (lowering) its replicas to `replicas` when they differ. */
  static async open(
    nc: NatsConnection,
    jsm: JetStreamManager,
    options: { bucket: string; consumerGroup: string; replicas: number },
  ): Promise<CheckpointObjects> {
    const bucket = await new Objm(nc).create(options.bucket, { replicas: options.replicas });
    // `create` binds to an existing bucket as it is: STREAM_REPLICAS raised later must reach it too.
    const streamName = `OBJ_${options.bucket}`;
    const info = await jsm.streams.info(streamName);
    if (info.config.num_replicas !== options.replicas)
      await jsm.streams.update(streamName, { num_replicas: options.replicas });
    return new CheckpointObjects(bucket, options.bucket, options.consumerGroup);
  }

  private nameOf(partition: number): string {
    return `${this.consumerGroup}/partition-${partition}`;
  }

  async write(checkpoint: PartitionCheckpoint): Promise<number> {
    const bytes = Buffer.concat(encodeCheckpoint(checkpoint));
    await this.bucket.putBlob({ name: this.nameOf(checkpoint.partition) }, bytes);
    return bytes.byteLength;
  }

  async read(partition: number): Promise<PartitionCheckpoint | undefined> {
    const where = `object ${this.nameOf(partition)} in ${this.bucketName}`;
    let bytes: Uint8Array | null;
    try {
      bytes = await this.bucket.getBlob(this.nameOf(partition));
    } catch (error) {
      throw new CheckpointError(`cannot read ${where}: ${(error as Error).message}`, { cause: error });
    }
    if (bytes === null) return undefined;
    return decodeCheckpoint(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), partition, where);
  }
}
