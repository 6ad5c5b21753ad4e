/**
 * Event time through the running engine (real nats-server, Postgres, shard workers from dist/), ADR 0011:
 * one switch's fast clock cannot make another caller's records late, and a switch delivering 15-minute batches
 * beside live switches, in the same partitions, is windowed and alerted.
 */
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Service } from '../../src/engine/index.js';
import { cdrSubject } from '../../src/stream/index.js';
import { partitionOf } from '../../src/codec/index.js';
import type { AlertMessage } from '../../src/windows/index.js';
import { cdr } from '../support/cdr-builders.js';
import { eventually, startTestService, startTestStack, type TestStack } from '../support/service-fixture.js';

const PARTITIONS = 4;
const MINUTE = 60_000;

interface Published {
  callId: string;
  caller: string;
  startMs: number;
  json: string;
}

/** `count` callers (digits) from `prefix`, all in `partition`. */
function callersIn(partition: number, prefix: string, count: number): string[] {
  const found: string[] = [];
  for (let i = 0; found.length < count; i++) {
    const caller = `${prefix}${String(i).padStart(6, '0')}`;
    if (partitionOf(caller, PARTITIONS) === partition) found.push(caller);
  }
  return found;
}

function record(
  callId: string,
  caller: string,
  callee: string,
  startMs: number,
  duration: number,
  source: string,
): Published {
  return {
    callId,
    caller,
    startMs,
    json: JSON.stringify({ ...cdr(callId, caller, callee, startMs, duration), switch: source }),
  };
}

/** 60 one-second calls to distinct callees, ten seconds apart from `startMs`: a textbook SDHF pattern. */
function sdhfBurst(caller: string, startMs: number, source: string): Published[] {
  return Array.from({ length: 60 }, (_, k) =>
    record(
      `${source}-sdhf-${caller}-${k}`,
      caller,
      `23495${String(10_000_000 + k)}`,
      startMs + k * 10_000,
      1,
      source,
    ),
  );
}

describe('event time through the running engine', () => {
  let stack: TestStack;
  let service: Service;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let alerts: AlertMessage[];

  beforeEach(async () => {
    stack = await startTestStack();
    service = await startTestService(stack, { PARTITIONS: String(PARTITIONS) });
    nc = await connect({ servers: stack.natsUrl });
    js = jetstream(nc);
    alerts = [];
    nc.subscribe('sentinel.alerts.>', {
      callback: (_error, msg) => {
        alerts.push(msg.json<AlertMessage>());
      },
    });
  });

  afterEach(async () => {
    await nc?.close();
    await service?.stop();
    await stack?.cleanup();
  });

  async function publish(records: readonly Published[]): Promise<void> {
    for (const r of records)
      await js.publish(cdrSubject(partitionOf(r.caller, PARTITIONS)), r.json, { msgID: r.callId });
  }

  async function stored(callIds: readonly string[]): Promise<Map<string, boolean>> {
    const result = await service.pool.query<{ call_id: string; late: boolean }>(
      'SELECT call_id, late FROM call_records WHERE call_id = ANY($1)',
      [callIds],
    );
    return new Map(result.rows.map((row) => [row.call_id, row.late]));
  }

  it("alerts a burst after another caller's CDR stamped 50 minutes ahead, in the same partition", async () => {
    const nowMs = Date.now();
    const [fastClock, simBox, ...others] = callersIn(2, '2348061', 6);
    // Ordinary traffic, then one CDR from a switch whose clock runs 50 minutes fast (inside the decoder's
    // hour of accepted skew), then a SIM box's burst over the last ten minutes.
    const before = others.map((caller, i) =>
      record(
        `live-${i}`,
        caller!,
        `23496${String(1_000_000 + i)}`,
        nowMs - 12 * MINUTE + i * 1000,
        45,
        'sw-live',
      ),
    );
    const skewed = record('skewed-1', fastClock!, '2349700000001', nowMs + 50 * MINUTE, 30, 'sw-fast');
    const burst = sdhfBurst(simBox!, nowMs - 10 * MINUTE, 'sw-live');
    await publish([...before, skewed, ...burst]);

    const all = [...before, skewed, ...burst].map((r) => r.callId);
    await eventually('every record committed', async () => (await stored(all)).size === all.length);
    const late = await stored(all);
    expect([...late.values()].filter(Boolean)).toEqual([]);
    await eventually('the burst alerted', async () => alerts.some((a) => a.suspect_number === simBox));
    expect(alerts.find((a) => a.suspect_number === simBox)).toMatchObject({ alert_type: 'SDHF_SIMBOX' });
    expect(alerts.filter((a) => a.suspect_number !== simBox)).toEqual([]);
  }, 120_000);

  it('windows and alerts a switch delivering 15-minute batches beside a live switch in the same partitions', async () => {
    const nowMs = Date.now();
    const liveCallers = [0, 1, 2, 3].flatMap((p) => callersIn(p, '2348071', 5));
    const batchCallers = [0, 1, 2, 3].flatMap((p) => callersIn(p, '2348081', 3));
    const fraudster = batchCallers[5]!;
    // The live switch: each caller's calls over the last two minutes, delivered as they happen.
    const live = liveCallers.flatMap((caller, i) =>
      [0, 1, 2].map((k) =>
        record(
          `live-${i}-${k}`,
          caller,
          `23498${String(1_000_000 + k)}`,
          nowMs - 2 * MINUTE + i * 1000 + k * 30_000,
          60,
          'sw-live',
        ),
      ),
    );
    // The batch switch's file covers 30 → 15 minutes ago: normal callers and a SIM box, delivered in bulk.
    const batchStart = nowMs - 30 * MINUTE;
    const batch = [
      ...batchCallers
        .filter((caller) => caller !== fraudster)
        .flatMap((caller, i) =>
          [0, 1].map((k) =>
            record(
              `batch-${i}-${k}`,
              caller,
              `23499${String(1_000_000 + k)}`,
              batchStart + i * 5_000 + k * 60_000,
              90,
              'sw-batch',
            ),
          ),
        ),
      ...sdhfBurst(fraudster, batchStart, 'sw-batch'),
    ].sort((a, b) => a.startMs - b.startMs);
    const half = Math.floor(live.length / 2);
    await publish(live.slice(0, half));
    await publish(batch);
    await publish(live.slice(half));

    const batchIds = batch.map((r) => r.callId);
    await eventually('the batch committed', async () => (await stored(batchIds)).size === batchIds.length);
    const late = await stored([...batchIds, ...live.map((r) => r.callId)]);
    expect([...late.entries()].filter(([, isLate]) => isLate)).toEqual([]);
    await eventually('the batch fraudster alerted', async () =>
      alerts.some((a) => a.suspect_number === fraudster),
    );
    expect(alerts.filter((a) => a.suspect_number !== fraudster)).toEqual([]);
  }, 120_000);
});
