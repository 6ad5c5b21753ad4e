/**
 * Filling the CDR stream with a backlog, and knowing when a consumer group has committed all of it: the
 * last stream sequence of each `cdr.in.<p>` subject is the target its `sink_offsets` row must reach.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import type pg from 'pg';
import type { Logger } from 'pino';
import { CdrPublisher, ensureStreams, partitionStreamName } from '../../src/stream/index.js';
import { perSecond } from './bench-stats.js';
import { backlogRecord, type BacklogPlan } from './synthetic-cdrs.js';

export interface PublishResult {
  events: number;
  bytes: number;
  elapsedMs: number;
  perSecond: number;
  failed: number;
}

/** Creates the engine's streams (as the engine would) with `partitions` partitions. */
export async function prepareStreams(nc: NatsConnection, partitions: number, logger: Logger): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await ensureStreams(
    jsm,
    { partitions, cdrMaxAgeMs: 26 * 3_600_000, duplicateWindowMs: 120_000, cdrLayout: 'per-partition' },
    logger,
  );
}

/** Publishes records `0..events-1` of `plan` through the project's acking publisher. */
export async function publishBacklog(
  nc: NatsConnection,
  plan: BacklogPlan,
  partitions: number,
  logger: Logger,
): Promise<PublishResult> {
  const publisher = new CdrPublisher(nc, { partitions, logger, maxInFlight: 4_096, ackTimeoutMs: 30_000 });
  const encoder = new TextEncoder();
  let bytes = 0;
  const started = performance.now();
  for (let i = 0; i < plan.events; i++) {
    const record = backlogRecord(plan, i);
    const data = encoder.encode(record.json);
    bytes += data.byteLength;
    await publisher.publishRaw(data, record.callId, record.callerDigits);
  }
  await publisher.flush();
  const elapsedMs = performance.now() - started;
  const stats = publisher.stats();
  await publisher.close();
  return {
    events: plan.events,
    bytes,
    elapsedMs: Math.round(elapsedMs),
    perSecond: perSecond(plan.events, elapsedMs),
    failed: stats.failed,
  };
}

/** Last stored sequence of every partition subject (0 when a partition is empty). */
export async function partitionTargets(nc: NatsConnection, partitions: number): Promise<Map<number, number>> {
  const jsm = await jetstreamManager(nc);
  const targets = new Map<number, number>();
  for (let p = 0; p < partitions; p++)
    targets.set(p, (await jsm.streams.info(partitionStreamName('CDR', p))).state.last_seq);
  return targets;
}

/** Messages stored in the CDR streams (one per partition). */
export async function streamMessages(nc: NatsConnection, partitions: number): Promise<number> {
  const jsm = await jetstreamManager(nc);
  let messages = 0;
  for (let p = 0; p < partitions; p++)
    messages += (await jsm.streams.info(partitionStreamName('CDR', p))).state.messages;
  return messages;
}

/** Committed sequence per partition of `consumer` (from `sink_offsets`). */
export async function readOffsets(pool: pg.Pool, consumer: string): Promise<Map<number, number>> {
  const result = await pool.query<{ partition: number; last_seq: string }>(
    'SELECT partition, last_seq FROM sink_offsets WHERE consumer = $1',
    [consumer],
  );
  return new Map(result.rows.map((row) => [row.partition, Number(row.last_seq)]));
}

export function targetsReached(
  committed: ReadonlyMap<number, number>,
  targets: ReadonlyMap<number, number>,
): boolean {
  for (const [partition, target] of targets) {
    if (target > 0 && (committed.get(partition) ?? 0) < target) return false;
  }
  return true;
}

/** True when `consumer`'s committed offsets reached every target. */
export async function offsetsReached(
  pool: pg.Pool,
  consumer: string,
  targets: ReadonlyMap<number, number>,
): Promise<boolean> {
  return targetsReached(await readOffsets(pool, consumer), targets);
}
