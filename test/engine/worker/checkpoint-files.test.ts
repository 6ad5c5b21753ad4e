/** Checkpoint files: what is written is read back, and every kind of damage is refused with a reason. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  CheckpointFiles,
  type PartitionCheckpoint,
} from '../../../src/engine/worker/checkpoint-files.js';

describe('CheckpointFiles', () => {
  let dir: string;
  let files: CheckpointFiles;
  const checkpoint: PartitionCheckpoint = {
    partition: 3,
    stream: 'CDR@2026-11-25T12:00:00.123456789Z',
    seq: 123_456_789,
    takenAtMs: 1_795_600_000_123,
    recentIds: ['call-1', 'call-2', 'ünïcode-3'],
    engine: Uint8Array.from({ length: 1_000 }, (_, i) => (i * 37) & 0xff),
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sentinel-ckpt-'));
    files = new CheckpointFiles(dir, 'group-a');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back what it wrote, replaces it atomically, and has nothing for other partitions', async () => {
    expect(await files.read(3)).toBeUndefined();
    const bytes = await files.write(checkpoint);
    expect(bytes).toBe(readFileSync(files.fileOf(3)).byteLength);
    const read = await files.read(3);
    expect(read).toMatchObject({
      partition: 3,
      stream: 'CDR@2026-11-25T12:00:00.123456789Z',
      seq: 123_456_789,
      takenAtMs: 1_795_600_000_123,
    });
    expect(read?.recentIds).toEqual(checkpoint.recentIds);
    expect(Array.from(read?.engine ?? [])).toEqual(Array.from(checkpoint.engine));
    await files.write({ ...checkpoint, seq: 200_000_000, recentIds: [] });
    expect((await files.read(3))?.seq).toBe(200_000_000);
    expect((await files.read(3))?.recentIds).toEqual([]);
    expect(await files.read(4)).toBeUndefined();
    expect(await new CheckpointFiles(dir, 'group-b').read(3)).toBeUndefined();
  });

  it.each([
    ['a flipped byte', (b: Buffer) => void (b[b.byteLength - 10]! ^= 0x01), /checksum/],
    ['a cut-off tail', (b: Buffer) => b.subarray(0, b.byteLength - 1), /truncated/],
    ['another format version', (b: Buffer) => void b.writeUInt32LE(99, 4), /version 99/],
    ['another file', () => Buffer.from('not a checkpoint at all, just some text'), /not a checkpoint/],
  ])('refuses %s', async (_what, damage: (b: Buffer) => Buffer | void, reason: RegExp) => {
    await files.write(checkpoint);
    const original = readFileSync(files.fileOf(3));
    writeFileSync(files.fileOf(3), damage(original) ?? original);
    await expect(files.read(3)).rejects.toThrow(CheckpointError);
    await expect(files.read(3)).rejects.toThrow(reason);
  });

  it("refuses another partition's file", async () => {
    await files.write(checkpoint);
    writeFileSync(files.fileOf(5), readFileSync(files.fileOf(3)));
    await expect(files.read(5)).rejects.toThrow(/belongs to partition 3/);
  });
});
