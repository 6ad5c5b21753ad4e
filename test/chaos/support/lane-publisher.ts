/**
 * Publishes test CDRs to `cdr.in.<p>` through a NATS cluster that may lose a node meanwhile: one sequential
 * lane per partition (so each partition's stream holds its records in the order given, which the expected
 * alerts are computed from), lanes in parallel, every record retried until JetStream acknowledges it. The
 * `call_id` is the `Nats-Msg-Id`, so a retry of a publish that was stored after all is dropped as a duplicate.
 */
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { partitionOf } from '../../../src/codec/index.js';
import { cdrSubject } from '../../../src/stream/index.js';

export interface TestRecord {
  json: string;
  callId: string;
  /** Caller digits; `'0'` for the records whose caller cannot be read (they go to partition 0). */
  caller: string;
}

const RETRY_FOR_MS = 60_000;

export function partitionOfRecord(record: TestRecord, partitions: number): number {
  return record.caller === '0' ? 0 : partitionOf(record.caller, partitions);
}

async function publishWithRetry(js: JetStreamClient, subject: string, record: TestRecord): Promise<void> {
  const deadline = Date.now() + RETRY_FOR_MS;
  for (;;) {
    try {
      await js.publish(subject, record.json, { msgID: record.callId, timeout: 2_000 });
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`could not publish ${record.callId} to ${subject} for ${RETRY_FOR_MS} ms`, {
          cause: error,
        });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Publishes `records`, each partition's in the given order; resolves when every one is stored. */
export async function publishInLanes(
  nc: NatsConnection,
  records: readonly TestRecord[],
  partitions: number,
): Promise<void> {
  const js = jetstream(nc);
  const lanes = Array.from({ length: partitions }, (): TestRecord[] => []);
  for (const record of records) lanes[partitionOfRecord(record, partitions)]!.push(record);
  await Promise.all(
    lanes.map(async (lane, partition) => {
      for (const record of lane) await publishWithRetry(js, cdrSubject(partition), record);
    }),
  );
}
