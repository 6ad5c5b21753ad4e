/**
 * Partition checkpoints on local disk: a partition's detection-engine snapshot and its recent call_ids, as of
 * a stream sequence that Postgres has already committed. A restart restores them and replays only the tail
 * after that sequence, instead of 24 h of the stream (ADR 0006).
 *
 * One file per partition, `<dir>/<consumer group>/partition-<p>.ckpt`, replaced atomically (written to a
 * temporary file, flushed, renamed over the old one), so a crash mid-write leaves the previous checkpoint.
 *
 * Layout (little-endian): an 80-byte header —
 *   "SNCK" u32 | version u32 | partition u32 | id count u32 | seq f64 | taken at (epoch ms) f64 |
 *   ids byte length f64 | engine byte length f64 | stream identity byte length u32 | reserved u32 |
 *   SHA-256 of the body (16 bytes kept) | reserved (8 bytes)
 * — then the body: the stream identity (UTF-8), the call_ids (UTF-8, one per line, oldest first; call_ids
 * are printable, so no newline inside one), then the engine snapshot bytes.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SentinelError } from '../../shared/index.js';

const MAGIC = 0x4b434e53; // "SNCK"
const VERSION = 1;
const HEADER_BYTES = 80;
const DIGEST_AT = 56;
const DIGEST_BYTES = 16;

export interface PartitionCheckpoint {
  partition: number;
  /**
   * Which stream the sequence numbers belong to (name and creation time): a stream deleted and created again
   * restarts its sequences, and a checkpoint of the old one must not be applied to the new one.
   */
  stream: string;
  /** Highest stream sequence reflected in the state: the replay resumes after it. */
  seq: number;
  takenAtMs: number;
  /** The dedup filter's ids, oldest first. */
  recentIds: readonly string[];
  /** `DetectionEngine.snapshot()`. */
  engine: Uint8Array;
}

/** A checkpoint file that exists but cannot be used; the message says why. */
export class CheckpointError extends SentinelError {
  static override readonly code = 'SENTINEL_CHECKPOINT_INVALID';
}

export class CheckpointFiles {
  private readonly dir: string;

  constructor(baseDir: string, consumerGroup: string) {
    this.dir = join(baseDir, consumerGroup);
  }

  fileOf(partition: number): string {
    return join(this.dir, `partition-${partition}.ckpt`);
  }

  /** Writes the checkpoint and returns its size in bytes. */
  async write(checkpoint: PartitionCheckpoint): Promise<number> {
    await mkdir(this.dir, { recursive: true });
    const stream = Buffer.from(checkpoint.stream, 'utf8');
    const ids = Buffer.from(checkpoint.recentIds.join('\n'), 'utf8');
    const hash = createHash('sha256').update(stream).update(ids).update(checkpoint.engine).digest();
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(VERSION, 4);
    header.writeUInt32LE(checkpoint.partition, 8);
    header.writeUInt32LE(checkpoint.recentIds.length, 12);
    header.writeDoubleLE(checkpoint.seq, 16);
    header.writeDoubleLE(checkpoint.takenAtMs, 24);
    header.writeDoubleLE(ids.byteLength, 32);
    header.writeDoubleLE(checkpoint.engine.byteLength, 40);
    header.writeUInt32LE(stream.byteLength, 48);
    hash.copy(header, DIGEST_AT, 0, DIGEST_BYTES);

    const target = this.fileOf(checkpoint.partition);
    const temporary = `${target}.${process.pid}.tmp`;
    const file = await open(temporary, 'w');
    try {
      await file.writev([header, stream, ids, checkpoint.engine]);
      await file.datasync();
    } catch (error) {
      await file.close();
      await rm(temporary, { force: true });
      throw error;
    }
    await file.close();
    await rename(temporary, target);
    await syncDirectory(this.dir);
    return HEADER_BYTES + stream.byteLength + ids.byteLength + checkpoint.engine.byteLength;
  }

  /** The partition's checkpoint; undefined when there is none. Throws `CheckpointError` when it is unusable. */
  async read(partition: number): Promise<PartitionCheckpoint | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.fileOf(partition));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CheckpointError(`cannot read ${this.fileOf(partition)}: ${(error as Error).message}`);
    }
    if (bytes.byteLength < HEADER_BYTES || bytes.readUInt32LE(0) !== MAGIC)
      throw new CheckpointError(`${this.fileOf(partition)} is not a checkpoint file`);
    const version = bytes.readUInt32LE(4);
    if (version !== VERSION)
      throw new CheckpointError(
        `${this.fileOf(partition)} has format version ${version}, expected ${VERSION}`,
      );
    if (bytes.readUInt32LE(8) !== partition)
      throw new CheckpointError(`${this.fileOf(partition)} belongs to partition ${bytes.readUInt32LE(8)}`);
    const idCount = bytes.readUInt32LE(12);
    const idsLength = bytes.readDoubleLE(32);
    const engineLength = bytes.readDoubleLE(40);
    const streamLength = bytes.readUInt32LE(48);
    if (HEADER_BYTES + streamLength + idsLength + engineLength !== bytes.byteLength)
      throw new CheckpointError(`${this.fileOf(partition)} is truncated`);
    const body = bytes.subarray(HEADER_BYTES);
    const digest = createHash('sha256').update(body).digest();
    if (!digest.subarray(0, DIGEST_BYTES).equals(bytes.subarray(DIGEST_AT, DIGEST_AT + DIGEST_BYTES)))
      throw new CheckpointError(`${this.fileOf(partition)} fails its checksum`);
    const stream = body.toString('utf8', 0, streamLength);
    const idsText = body.toString('utf8', streamLength, streamLength + idsLength);
    const recentIds = idsText === '' ? [] : idsText.split('\n');
    if (recentIds.length !== idCount)
      throw new CheckpointError(
        `${this.fileOf(partition)} holds ${recentIds.length} ids, header says ${idCount}`,
      );
    return {
      partition,
      stream,
      seq: bytes.readDoubleLE(16),
      takenAtMs: bytes.readDoubleLE(24),
      recentIds,
      engine: body.subarray(streamLength + idsLength),
    };
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
