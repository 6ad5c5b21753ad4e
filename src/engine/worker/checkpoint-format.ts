/**
 * The byte format of a partition checkpoint, wherever it is stored (a local file or a NATS object): a
 * partition's detection-engine snapshot and its recent call_ids, as of a stream sequence Postgres has already
 * committed (ADR 0006).
 *
 * Layout (little-endian): an 80-byte header —
 *   "SNCK" u32 | version u32 | partition u32 | id count u32 | seq f64 | taken at (epoch ms) f64 |
 *   ids byte length f64 | engine byte length f64 | stream identity byte length u32 | reserved u32 |
 *   SHA-256 of the body (16 bytes kept) | reserved (8 bytes)
 * — then the body: the stream identity (UTF-8), the call_ids (UTF-8, one per line, oldest first; call_ids
 * are printable, so no newline inside one), then the engine snapshot bytes.
 */
import { createHash } from 'node:crypto';
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

/** A stored checkpoint that exists but cannot be used; the message says why. */
export class CheckpointError extends SentinelError {
  static override readonly code = 'SENTINEL_CHECKPOINT_INVALID';
}

/** Where checkpoints live: local files for a single node, a replicated NATS object store for a cluster. */
export interface CheckpointStore {
  /** The partition's checkpoint; undefined when there is none. Throws `CheckpointError` when it is unusable. */
  read(partition: number): Promise<PartitionCheckpoint | undefined>;
  /** Stores the checkpoint, replacing the previous one atomically; resolves with its size in bytes. */
  write(checkpoint: PartitionCheckpoint): Promise<number>;
}

/** The checkpoint as byte chunks (header, stream identity, ids, engine), to write without concatenating. */
export function encodeCheckpoint(checkpoint: PartitionCheckpoint): Buffer[] {
  const stream = Buffer.from(checkpoint.stream, 'utf8');
  const ids = Buffer.from(checkpoint.recentIds.join('\n'), 'utf8');
  const engine = Buffer.from(
    checkpoint.engine.buffer,
    checkpoint.engine.byteOffset,
    checkpoint.engine.byteLength,
  );
  const hash = createHash('sha256').update(stream).update(ids).update(engine).digest();
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(VERSION, 4);
  header.writeUInt32LE(checkpoint.partition, 8);
  header.writeUInt32LE(checkpoint.recentIds.length, 12);
  header.writeDoubleLE(checkpoint.seq, 16);
  header.writeDoubleLE(checkpoint.takenAtMs, 24);
  header.writeDoubleLE(ids.byteLength, 32);
  header.writeDoubleLE(engine.byteLength, 40);
  header.writeUInt32LE(stream.byteLength, 48);
  hash.copy(header, DIGEST_AT, 0, DIGEST_BYTES);
  return [header, stream, ids, engine];
}

/** Reads a checkpoint of `partition` back; `where` names its location in errors. Throws `CheckpointError`. */
export function decodeCheckpoint(bytes: Buffer, partition: number, where: string): PartitionCheckpoint {
  if (bytes.byteLength < HEADER_BYTES || bytes.readUInt32LE(0) !== MAGIC)
    throw new CheckpointError(`${where} is not a checkpoint`);
  const version = bytes.readUInt32LE(4);
  if (version !== VERSION)
    throw new CheckpointError(`${where} has format version ${version}, expected ${VERSION}`);
  if (bytes.readUInt32LE(8) !== partition)
    throw new CheckpointError(`${where} belongs to partition ${bytes.readUInt32LE(8)}`);
  const idCount = bytes.readUInt32LE(12);
  const idsLength = bytes.readDoubleLE(32);
  const engineLength = bytes.readDoubleLE(40);
  const streamLength = bytes.readUInt32LE(48);
  if (HEADER_BYTES + streamLength + idsLength + engineLength !== bytes.byteLength)
    throw new CheckpointError(`${where} is truncated`);
  const body = bytes.subarray(HEADER_BYTES);
  const digest = createHash('sha256').update(body).digest();
  if (!digest.subarray(0, DIGEST_BYTES).equals(bytes.subarray(DIGEST_AT, DIGEST_AT + DIGEST_BYTES)))
    throw new CheckpointError(`${where} fails its checksum`);
  const stream = body.toString('utf8', 0, streamLength);
  const idsText = body.toString('utf8', streamLength, streamLength + idsLength);
  const recentIds = idsText === '' ? [] : idsText.split('\n');
  if (recentIds.length !== idCount)
    throw new CheckpointError(`${where} holds ${recentIds.length} ids, header says ${idCount}`);
  return {
    partition,
    stream,
    seq: bytes.readDoubleLE(16),
    takenAtMs: bytes.readDoubleLE(24),
    recentIds,
    engine: body.subarray(streamLength + idsLength),
  };
}
