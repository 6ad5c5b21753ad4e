/**
 * Partition checkpoints on local disk (CHECKPOINT_STORE=local, one node): one file per partition,
 * `<dir>/<consumer group>/partition-<p>.ckpt`, replaced atomically (written to a temporary file, flushed,
 * renamed over the old one), so a crash mid-write leaves the previous checkpoint. Format: checkpoint-format.ts.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  type CheckpointStore,
  type PartitionCheckpoint,
} from './checkpoint-format.js';

export { CheckpointError, type PartitionCheckpoint } from './checkpoint-format.js';

export class CheckpointFiles implements CheckpointStore {
  private readonly dir: string;

  constructor(baseDir: string, consumerGroup: string) {
    this.dir = join(baseDir, consumerGroup);
  }

  fileOf(partition: number): string {
    return join(this.dir, `partition-${partition}.ckpt`);
  }

  async write(checkpoint: PartitionCheckpoint): Promise<number> {
    await mkdir(this.dir, { recursive: true });
    const chunks = encodeCheckpoint(checkpoint);
    const target = this.fileOf(checkpoint.partition);
    const temporary = `${target}.${process.pid}.tmp`;
    const file = await open(temporary, 'w');
    try {
      await file.writev(chunks);
      await file.datasync();
    } catch (error) {
      await file.close();
      await rm(temporary, { force: true });
      throw error;
    }
    await file.close();
    await rename(temporary, target);
    await syncDirectory(this.dir);
    return chunks.reduce((bytes, chunk) => bytes + chunk.byteLength, 0);
  }

  async read(partition: number): Promise<PartitionCheckpoint | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.fileOf(partition));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CheckpointError(`cannot read ${this.fileOf(partition)}: ${(error as Error).message}`);
    }
    return decodeCheckpoint(bytes, partition, this.fileOf(partition));
  }

  /** Removes a partition's checkpoint (an unusable one, so the next start does not trip on it again). */
  async remove(partition: number): Promise<void> {
    await rm(this.fileOf(partition), { force: true });
  }
}

/** Makes the rename durable; some file systems do not support syncing a directory, which is fine to skip. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}
