/**
 * SinkBuffer's batching and backpressure, against a writer the test commits by hand (the buffer's own
 * contract, BatchWriter, is what is replaced here — no server is mocked).
 */
import { describe, expect, it } from 'vitest';
import {
  SinkBuffer,
  SinkClosedError,
  type Batch,
  type BatchStats,
  type BatchWriter,
} from '../../src/sinks/index.js';
import { alertMessage, deadLetterRow, recordRow, silentLogger } from './support/sink-fixtures.js';

interface WriteCall {
  batch: Batch;
  rows: number;
  commit: () => void;
  fail: (error: Error) => void;
}

class HandCommittedWriter implements BatchWriter {
  readonly calls: WriteCall[] = [];
  private waiting: (() => void)[] = [];

  write(batch: Batch): Promise<BatchStats> {
    return new Promise((resolve, reject) => {
      const rows = batch.records.length + batch.alerts.length + batch.deadLetters.length;
      this.calls.push({ batch, rows, commit: () => resolve(statsFor(batch)), fail: reject });
      for (const wake of this.waiting.splice(0)) wake();
    });
  }

  /** Resolves once the writer has been called `count` times in all. */
  async calledTimes(count: number): Promise<WriteCall> {
    while (this.calls.length < count) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.calls[count - 1]!;
  }
}

function statsFor(batch: Batch): BatchStats {
  return {
    fencedPartitions: [],
    recordsWritten: batch.records.length,
    recordsSkipped: 0,
    recordsRejected: 0,
    replaysDuplicate: 0,
    deadLettersWritten: batch.deadLetters.length,
    deadLettersSkipped: 0,
    alertsInserted: batch.alerts.length,
    alertsDuplicate: 0,
    insertedAlertIds: new Map(),
    caseEventsInserted: 0,
    caseEventsDuplicate: 0,
    storedCaseEvents: [],
    attempts: 1,
    commitMs: 1,
  };
}

function setup(options: { batchMaxRows?: number; flushIntervalMs?: number; maxBufferedRows?: number } = {}) {
  const writer = new HandCommittedWriter();
  const committed: ReadonlyMap<number, number>[] = [];
  const buffer = new SinkBuffer({
    writer,
    batchMaxRows: options.batchMaxRows ?? 3,
    flushIntervalMs: options.flushIntervalMs ?? 3_600_000,
    maxBufferedRows: options.maxBufferedRows ?? 10,
    onCommitted: (offsets) => committed.push(offsets),
    logger: silentLogger,
  });
  return { writer, buffer, committed };
}

describe('SinkBuffer', () => {
  it('writes a batch as soon as it reaches batchMaxRows', () => {
    const { writer, buffer } = setup();
    buffer.addRecord(recordRow(0, 1));
    buffer.addAlert(alertMessage('k1'));
    expect(writer.calls).toHaveLength(0);
    buffer.addDeadLetter(deadLetterRow(0, 2));
    expect(writer.calls).toHaveLength(1);
    expect(writer.calls[0]?.rows).toBe(3);
  });

  it('writes a smaller batch once its first row is flushIntervalMs old', async () => {
    const { writer, buffer } = setup({ flushIntervalMs: 5 });
    buffer.addRecord(recordRow(0, 1));
    const call = await writer.calledTimes(1);
    expect(call.rows).toBe(1);
    call.commit();
    await buffer.close();
  });

  it('commits a batch holding an alert in the next turn, without waiting for it to age', async () => {
    const { writer, buffer } = setup({ batchMaxRows: 100, maxBufferedRows: 200 });
    buffer.addRecord(recordRow(0, 1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(writer.calls).toHaveLength(0);
    buffer.addRecord(recordRow(0, 2));
    buffer.addAlert(alertMessage('k1'), 0);
    buffer.addRecord(recordRow(0, 3));
    expect(writer.calls).toHaveLength(0);
    const first = await writer.calledTimes(1);
    expect(first.batch.records.map((row) => row.streamSeq)).toEqual([1, 2, 3]);
    expect(first.batch.alerts).toHaveLength(1);
    // With a write in flight, the next alert's batch is written right after that commit.
    buffer.addRecord(recordRow(0, 4));
    buffer.addAlert(alertMessage('k2'), 0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writer.calls).toHaveLength(1);
    first.commit();
    const second = await writer.calledTimes(2);
    expect(second.batch.alerts.map((alert) => alert.alert_key)).toEqual(['k2']);
    second.commit();
    await buffer.close();
  });

  it('keeps one write in flight; rows arriving meanwhile form the next, larger batch, written after the commit', async () => {
    const { writer, buffer, committed } = setup({ batchMaxRows: 2, maxBufferedRows: 10 });
    for (let seq = 1; seq <= 2; seq += 1) buffer.addRecord(recordRow(0, seq));
    for (let seq = 3; seq <= 7; seq += 1) buffer.addRecord(recordRow(0, seq));
    expect(writer.calls).toHaveLength(1);
    writer.calls[0]?.commit();
    const second = await writer.calledTimes(2);
    expect(second.rows).toBe(5);
    expect(committed).toEqual([new Map([[0, 2]])]);
    second.commit();
    await buffer.flush();
    expect(committed.at(-1)).toEqual(new Map([[0, 7]]));
  });

  it('refuses capacity at maxBufferedRows (pending plus in flight) and frees it after the commit', async () => {
    const { writer, buffer } = setup({ batchMaxRows: 2, maxBufferedRows: 5 });
    for (let seq = 1; seq <= 4; seq += 1) buffer.addRecord(recordRow(1, seq));
    expect(buffer.bufferedRows).toBe(4);
    expect(buffer.oldestUncommittedAtMs).toBeTypeOf('number');
    expect(buffer.hasCapacity()).toBe(true);
    buffer.addRecord(recordRow(1, 5));
    expect(buffer.hasCapacity()).toBe(false);
    let freed = false;
    const waiting = buffer.waitForCapacity().then(() => (freed = true));
    await Promise.resolve();
    expect(freed).toBe(false);
    writer.calls[0]?.commit();
    await waiting;
    expect(buffer.bufferedRows).toBe(3);
    expect(buffer.hasCapacity()).toBe(true);
    (await writer.calledTimes(2)).commit();
    await buffer.close();
    expect(buffer.oldestUncommittedAtMs).toBeUndefined();
  });

  it('reports the highest processed sequence per partition, including messages that made no row', async () => {
    const { writer, buffer, committed } = setup({ batchMaxRows: 100, maxBufferedRows: 100 });
    buffer.addRecord(recordRow(0, 10));
    buffer.markProcessed(0, 12);
    buffer.markProcessed(0, 11);
    buffer.addDeadLetter(deadLetterRow(4, 3));
    buffer.markProcessed(9, 1);
    const flushed = buffer.flush();
    const call = await writer.calledTimes(1);
    expect(call.batch.offsets).toEqual(
      new Map([
        [0, 12],
        [4, 3],
        [9, 1],
      ]),
    );
    call.commit();
    await flushed;
    expect(committed).toEqual([call.batch.offsets]);
  });

  it('flush resolves only after every earlier row is committed, with onCommitted already run', async () => {
    const { writer, buffer, committed } = setup({ batchMaxRows: 2 });
    buffer.addRecord(recordRow(0, 1));
    buffer.addRecord(recordRow(0, 2));
    buffer.addRecord(recordRow(0, 3));
    let done = false;
    const flushed = buffer.flush().then(() => (done = true));
    writer.calls[0]?.commit();
    const second = await writer.calledTimes(2);
    expect(done).toBe(false);
    second.commit();
    await flushed;
    expect(committed).toHaveLength(2);
    await expect(buffer.flush()).resolves.toBeUndefined();
  });

  it('close flushes, then refuses more rows', async () => {
    const { writer, buffer } = setup();
    buffer.addRecord(recordRow(0, 1));
    const closed = buffer.close();
    expect(() => buffer.addRecord(recordRow(0, 2))).toThrow(SinkClosedError);
    (await writer.calledTimes(1)).commit();
    await closed;
  });

  it('when the writer gives up (closed), pending flushes and capacity waits reject and adds throw', async () => {
    const { writer, buffer } = setup({ batchMaxRows: 2, maxBufferedRows: 2 });
    buffer.addRecord(recordRow(0, 1));
    buffer.addRecord(recordRow(0, 2));
    const flushed = buffer.flush();
    const capacity = buffer.waitForCapacity();
    writer.calls[0]?.fail(new SinkClosedError('write'));
    await expect(flushed).rejects.toBeInstanceOf(SinkClosedError);
    await expect(capacity).rejects.toBeInstanceOf(SinkClosedError);
    expect(() => buffer.markProcessed(0, 3)).toThrow(SinkClosedError);
  });

  it('refuses a bound smaller than a batch', () => {
    expect(
      () =>
        new SinkBuffer({
          writer: new HandCommittedWriter(),
          batchMaxRows: 10,
          maxBufferedRows: 5,
          onCommitted: () => undefined,
          logger: silentLogger,
        }),
    ).toThrow(RangeError);
  });
});
