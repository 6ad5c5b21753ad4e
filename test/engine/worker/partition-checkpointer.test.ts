/**
 * PartitionCheckpointer against real checkpoint files in a temp folder: which checkpoints restore, what is
 * counted when one does not, periodic and final writes only of committed state, restores one at a time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CheckpointFiles, type PartitionCheckpoint } from '../../../src/engine/worker/checkpoint-files.js';
import { PartitionCheckpointer } from '../../../src/engine/worker/partition-checkpointer.js';
import type { PartitionProcessor } from '../../../src/engine/worker/partition-processor.js';
import { ProcessorHarness, burst, feed, messages } from './support/partition-fakes.js';

const logger = pino({ level: 'silent' });
const GROUP = 'sentinel-test';
const STREAM_CREATED = '2025-06-01T00:00:00.000000001Z';
const STREAM_IDENTITY = `CDR@${STREAM_CREATED}`;

describe('PartitionCheckpointer', () => {
  let dir: string;
  let files: CheckpointFiles;
  let harness: ProcessorHarness;
  const opened: PartitionCheckpointer[] = [];

  async function open(intervalMs = 60_000): Promise<PartitionCheckpointer> {
    const checkpointer = new PartitionCheckpointer({
      store: new CheckpointFiles(dir, GROUP),
      intervalMs,
      metrics: harness.metrics,
      logger,
    });
    opened.push(checkpointer);
    return checkpointer;
  }

  /** A processor for `partition` that handled `count` burst calls, all committed when `committed`. */
  function busyProcessor(partition: number, count: number, committed: boolean): PartitionProcessor {
    const processor = harness.processor({ partition });
    feed(processor, messages(burst(`23480${partition}1234567`, count), 1, partition));
    if (committed) processor.markCommitted(count);
    return processor;
  }

  /** Writes a checkpoint file of a processor that handled `count` calls. */
  async function writeCheckpoint(
    partition: number,
    count: number,
    overrides: Partial<PartitionCheckpoint> = {},
  ): Promise<PartitionCheckpoint> {
    const checkpoint = {
      ...busyProcessor(partition, count, true).checkpoint(1_750_000_000_000, STREAM_IDENTITY),
      ...overrides,
    };
    await files.write(checkpoint);
    return checkpoint;
  }

  /** `restore` with a maker that records whether it was handed a checkpoint. */
  async function restore(
    checkpointer: PartitionCheckpointer,
    partition: number,
    committedSeq: number,
  ): Promise<{ processor: PartitionProcessor; restoredFrom: (number | undefined)[] }> {
    const restoredFrom: (number | undefined)[] = [];
    const processor = await checkpointer.restore(
      partition,
      committedSeq,
      STREAM_IDENTITY,
      (restored) => {
        restoredFrom.push(restored?.seq);
        return harness.processor({
          partition,
          committedSeq,
          ...(restored === undefined ? {} : { restored }),
        });
      },
      logger,
    );
    return { processor, restoredFrom };
  }

  const restores = (result: string): number =>
    harness.counter('sentinel_checkpoint_restores_total', { result });
  const written = (result: string): number =>
    harness.counter('sentinel_checkpoints_written_total', { result });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sentinel-checkpointer-'));
    files = new CheckpointFiles(dir, GROUP);
    harness = new ProcessorHarness();
  });

  afterEach(async () => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    for (const checkpointer of opened.splice(0)) await checkpointer.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a partition without a checkpoint fresh, counted as absent', async () => {
    const checkpointer = await open();
    const { processor, restoredFrom } = await restore(checkpointer, 0, 40);
    expect(restoredFrom).toEqual([undefined]);
    expect(processor.handledSeq).toBe(0);
    expect(restores('absent')).toBe(1);
    expect(restores('unusable')).toBe(0);
    expect(restores('restored')).toBe(0);
  });

  it('restores a usable checkpoint, and the processor resumes after its sequence', async () => {
    await writeCheckpoint(1, 30);
    const checkpointer = await open();
    const { processor, restoredFrom } = await restore(checkpointer, 1, 30);
    expect(restoredFrom).toEqual([30]);
    expect(processor.handledSeq).toBe(30);
    expect(restores('restored')).toBe(1);

    const before = harness.sink.records.length;
    const calls = burst('2348011234567', 32);
    feed(processor, messages(calls.slice(29), 30, 1)); // seq 30 again, then 31 and 32
    expect(harness.sink.records.slice(before).map((row) => row.streamSeq)).toEqual([31, 32]);
    expect(processor.callerStats(2348011234567)?.windows[0]?.callCount).toBe(32);
    processor.markCommitted(32);
  });

  it.each([
    [
      'an unreadable file',
      async () => {
        await mkdir(dirname(files.fileOf(2)), { recursive: true });
        writeFileSync(files.fileOf(2), 'not a checkpoint');
      },
      40,
    ],
    ['a checkpoint of another CDR stream', () => writeCheckpoint(2, 30, { stream: 'CDR@earlier' }), 40],
    ['a checkpoint ahead of the committed sequence', () => writeCheckpoint(2, 30), 29],
  ])(
    'starts fresh from %s, counted as unusable',
    async (_what, prepare: () => Promise<unknown>, committed) => {
      await prepare();
      const checkpointer = await open();
      const { processor, restoredFrom } = await restore(checkpointer, 2, committed);
      expect(restoredFrom).toEqual([undefined]);
      expect(processor.handledSeq).toBe(0);
      expect(restores('unusable')).toBe(1);
      expect(restores('restored')).toBe(0);
      expect(restores('absent')).toBe(0);
    },
  );

  it('starts fresh when the processor refuses the checkpoint, counted as unusable only', async () => {
    await writeCheckpoint(3, 30);
    const checkpointer = await open();
    const restoredFrom: (number | undefined)[] = [];
    const processor = await checkpointer.restore(
      3,
      40,
      STREAM_IDENTITY,
      (restored) => {
        restoredFrom.push(restored?.seq);
        if (restored !== undefined) throw new Error('snapshot does not fit');
        return harness.processor({ partition: 3, committedSeq: 40 });
      },
      logger,
    );
    expect(restoredFrom).toEqual([30, undefined]);
    expect(processor.handledSeq).toBe(0);
    expect(restores('unusable')).toBe(1);
    expect(restores('restored')).toBe(0);
  });

  it('restores partitions one at a time, and a failed restore passes the turn on', async () => {
    await writeCheckpoint(1, 20);
    await writeCheckpoint(2, 25);
    const checkpointer = await open();
    const events: string[] = [];
    let openGate = (): void => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const read = CheckpointFiles.prototype.read;
    vi.spyOn(CheckpointFiles.prototype, 'read').mockImplementation(async function (
      this: CheckpointFiles,
      partition: number,
    ) {
      events.push(`read ${partition}`);
      if (partition === 0) await gate;
      return await read.call(this, partition);
    });
    const maker =
      (partition: number) =>
      (restored?: PartitionCheckpoint): PartitionProcessor => {
        events.push(`make ${partition}${restored === undefined ? '' : ` from ${restored.seq}`}`);
        if (partition === 1 && restored !== undefined) throw new Error('refused');
        return harness.processor({
          partition,
          committedSeq: 100,
          ...(restored === undefined ? {} : { restored }),
        });
      };

    const all = Promise.all(
      [0, 1, 2].map((partition) =>
        checkpointer.restore(partition, 100, STREAM_IDENTITY, maker(partition), logger),
      ),
    );
    await vi.waitFor(() => expect(events).toEqual(['read 0']));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual(['read 0']);

    openGate();
    const processors = await all;
    expect(events).toEqual([
      'read 0',
      'make 0',
      'read 1',
      'make 1 from 20',
      'make 1',
      'read 2',
      'make 2 from 25',
    ]);
    expect(processors.map((processor) => processor.handledSeq)).toEqual([0, 0, 25]);
    expect([restores('absent'), restores('unusable'), restores('restored')]).toEqual([1, 1, 1]);
  });

  it('writes a periodic checkpoint only once Postgres committed what it reflects', async () => {
    const checkpointer = await open(40);
    const { processor } = await restore(checkpointer, 0, 0);
    feed(processor, messages(burst('2348001234567', 12)));
    checkpointer.start();

    // Each round's commit wait runs out: nothing is written.
    await vi.waitFor(() => expect(written('uncommitted')).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
    expect(await files.read(0)).toBeUndefined();
    expect(written('ok')).toBe(0);

    processor.markCommitted(12);
    await vi.waitFor(() => expect(written('ok')).toBe(1), { timeout: 10_000 });
    const checkpoint = await files.read(0);
    expect(checkpoint).toMatchObject({ partition: 0, seq: 12, stream: STREAM_IDENTITY });
    expect(checkpoint?.recentIds).toHaveLength(12);

    // Nothing new handled: the next rounds leave the file alone.
    const uncommittedSoFar = written('uncommitted');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(written('ok')).toBe(1);
    expect(written('uncommitted')).toBe(uncommittedSoFar);
  });

  it('stop() gives up a periodic round still waiting for its commit and writes final checkpoints', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const intervalMs = 600_000; // ten minutes: a round waiting out its commit would outlast the test
    const checkpointer = await open(intervalMs);
    const first = await restore(checkpointer, 0, 0);
    const second = await restore(checkpointer, 1, 0);
    feed(first.processor, messages(burst('2348001234567', 8), 1, 0));
    feed(second.processor, messages(burst('2348011234567', 5), 1, 1));
    checkpointer.start();
    vi.advanceTimersByTime(intervalMs); // the round begins and waits for partition 0's commit

    const stopped = checkpointer.stop();
    first.processor.markCommitted(8);
    second.processor.markCommitted(5);
    await stopped;
    opened.splice(opened.indexOf(checkpointer), 1);

    expect(written('uncommitted')).toBe(1);
    expect(written('ok')).toBe(2);
    expect((await files.read(0))?.seq).toBe(8);
    expect((await files.read(1))?.seq).toBe(5);
  });

  it('a final checkpoint whose records are not committed is not written', async () => {
    const checkpointer = await open();
    const committed = await restore(checkpointer, 0, 0);
    const pending = await restore(checkpointer, 1, 0);
    feed(committed.processor, messages(burst('2348001234567', 4), 1, 0));
    committed.processor.markCommitted(4);
    feed(pending.processor, messages(burst('2348011234567', 3), 1, 1));

    await checkpointer.stop();
    opened.splice(opened.indexOf(checkpointer), 1);
    expect((await files.read(0))?.seq).toBe(4);
    expect(await files.read(1)).toBeUndefined();
    expect([written('ok'), written('uncommitted')]).toEqual([1, 1]);
  });
});
