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

/**
 * How long a checkpoint read may wait for its next chunk. The client reads an object through an ordered push
 * consumer with a 30 s idle heartbeat and no deadline: when a NATS node or the bucket's leader dies during the
 * read, it can stall for a minute or more, and the partition would stay claimed but unopened all that time.
 */
export const CHECKPOINT_READ_STALL_MS = 10_000;

/**
 * The object's bytes, or null when there is none; rejects when the read does not start within `stallMs`, when
 * `stallMs` then pass without a chunk (the read is cancelled, which stops the client's consumer), or when the
 * object is corrupt.
 */
export async function readObjectBytes(
  bucket: Pick<ObjectStore, 'get'>,
  name: string,
  stallMs: number,
): Promise<Uint8Array | null> {
  // Opening the read (object info, then the client's ordered consumer, which retries its creation without a
  // deadline) gets the same limit; a read that opens after all is cancelled at once.
  const opening = bucket.get(name);
  let openTimer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    opening,
    new Promise<never>((_resolve, reject) => {
      openTimer = setTimeout(() => {
        void opening.then(
          (late) => late?.data.cancel(),
          () => undefined,
        );
        reject(new Error(`the read did not start within ${stallMs} ms`));
      }, stallMs);
    }),
  ]).finally(() => clearTimeout(openTimer));
  if (result === null) return null;
  // Settled once the client's consumer loop ends; observed at once so a failed read is never unhandled.
  const outcome = result.error.then(
    (error) => error ?? undefined,
    (error: unknown) => error,
  );
  const reader = result.data.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no data for ${stallMs} ms`)), stallMs);
    });
    try {
      const { done, value } = await Promise.race([reader.read(), stalled]);
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    } catch (error) {
      await reader.cancel().catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
  const failure = await outcome;
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure));
  return Buffer.concat(chunks, size);
}

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
      bytes = await readObjectBytes(this.bucket, this.nameOf(partition), CHECKPOINT_READ_STALL_MS);
    } catch (error) {
      throw new CheckpointError(`cannot read ${where}: ${(error as Error).message}`, { cause: error });
    }
    if (bytes === null) return undefined;
    return decodeCheckpoint(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), partition, where);
  }
}
