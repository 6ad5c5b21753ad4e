/**
 * A pull that neither delivers, nor fails, nor ends while the stream holds messages for the partition must not
 * stall the partition. That is what @nats-io/jetstream's fetch does after a reconnect when the consumer's node
 * died (it cancels the heartbeat monitor on the disconnect and asks the consumer's info again and again before
 * pulling): found by the chaos suite's scenario (c), where a partition reported ready and committed nothing for
 * minutes. The fault is injected by handing the run such a pull; everything else is a real PartitionRun on a
 * real stream.
 */
import {
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { PartitionRun, type PartitionRunContext } from '../../../src/engine/worker/partition-run.js';
import type { SinkBuffer } from '../../../src/sinks/index.js';
import { DEFAULT_RULE_SETTINGS } from '../../../src/windows/index.js';
import { connectTestNats, uniqueName } from '../../support/nats.js';
import { burst, ProcessorHarness } from './support/partition-fakes.js';

/** A pull as the client leaves it after such a reconnect: nothing arrives and it ends only when stopped. */
function deadPull(): ConsumerMessages {
  let release = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (release = resolve));
  const pull = {
    stop: () => release(),
    async *[Symbol.asyncIterator]() {
      await stopped;
      yield* [];
    },
  };
  return pull as unknown as ConsumerMessages;
}

describe('PartitionRun: a pull that stalls while messages wait', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const stream = uniqueName('STALL');
  const subject = `${stream}.cdr`;
  const payloads = burst('2348012345678', 20);
  const runs: PartitionRun[] = [];

  beforeAll(async () => {
    nc = await connectTestNats();
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [subject] });
  });

  afterAll(async () => {
    await Promise.all(runs.map((run) => run.stop()));
    await jsm?.streams.delete(stream).catch(() => false);
    await nc?.close();
  });

  async function openRun(): Promise<PartitionRun> {
    const harness = new ProcessorHarness();
    const sink = {
      ...harness.deps.sink,
      bufferedRows: 0,
      hasCapacity: () => true,
      waitForCapacity: () => Promise.resolve(),
    } as unknown as SinkBuffer;
    const ctx: PartitionRunContext = {
      config: loadConfig({}),
      consumerGroup: uniqueName('stall'),
      layout: { kind: 'single', streamOf: () => stream, filterOf: () => subject },
      partitionCount: () => 1,
      sink,
      processorDeps: harness.deps,
      checkpointer: undefined,
      js: jetstream(nc),
      jsm,
      logger: pino({ level: 'silent' }),
    };
    const run = await PartitionRun.open(0, 0, DEFAULT_RULE_SETTINGS, 0, stream, 1, ctx);
    runs.push(run);
    return run;
  }

  it('re-creates the consumer and handles every waiting message', async () => {
    const js = jetstream(nc);
    for (const payload of payloads.slice(0, 10)) await js.publish(subject, payload);
    const run = await openRun();
    const stuckConsumer = run.position.name;
    vi.spyOn(run.position.consumer, 'fetch').mockImplementationOnce(() => Promise.resolve(deadPull()));
    run.start(() => undefined);
    for (const payload of payloads.slice(10)) await js.publish(subject, payload);

    await expect.poll(() => run.processor.handledSeq, { timeout: 20_000, interval: 200 }).toBe(20);
    expect(run.position.name).not.toBe(stuckConsumer);
  });

  it('leaves a healthy consumer alone while it waits for messages', async () => {
    const run = await openRun();
    run.start(() => undefined);
    await expect.poll(() => run.processor.handledSeq, { timeout: 10_000, interval: 200 }).toBe(20);
    const consumer = run.position.name;
    // Two check intervals without a message: nothing is waiting, so nothing is re-created.
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    expect(run.position.name).toBe(consumer);
    await jetstream(nc).publish(subject, payloads[0]!);
    await expect.poll(() => run.processor.handledSeq, { timeout: 10_000, interval: 200 }).toBe(21);
  });
});
