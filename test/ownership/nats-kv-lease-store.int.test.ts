/**
 * The lease store against the real nats-server (2.9): the KV semantics ownership relies on — create only when
 * absent, renew only at the last revision, leases that lapse after the bucket's ttl, release that never deletes
 * someone else's lease — and epochs that keep growing when the bucket is deleted and created again.
 */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsKvLeaseStore } from '../../src/ownership/index.js';
import { connectTestNats, uniqueName } from '../support/nats.js';

const TTL_MS = 2_000;

describe('NatsKvLeaseStore', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const buckets: string[] = [];

  async function open(bucket = uniqueName('LEASES'), group = 'g'): Promise<NatsKvLeaseStore> {
    buckets.push(bucket);
    return await NatsKvLeaseStore.open(nc, jsm, {
      bucket,
      group,
      partitions: 4,
      leaseTtlMs: TTL_MS,
      replicas: 1,
    });
  }

  beforeAll(async () => {
    nc = await connectTestNats();
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    for (const bucket of buckets) await jsm.streams.delete(`KV_${bucket}`).catch(() => false);
    await nc.close();
  });

  it('grants a lease to one owner at a time, renews only at the last revision, and releases only its own', async () => {
    const store = await open();
    const lease = await store.acquire(0, 'a');
    expect(lease).toBeDefined();
    expect(await store.acquire(0, 'b')).toBeUndefined();
    const renewed = await store.refresh(lease!, 'a');
    expect(renewed?.revision).toBeGreaterThan(lease!.revision);
    expect(renewed?.epoch).toBe(lease!.epoch);
    // The old revision no longer renews (someone holding a stale view cannot extend it).
    expect(await store.refresh(lease!, 'a')).toBeUndefined();
    await store.release(lease!); // stale revision: must not delete the renewed lease
    expect((await store.view()).holders.get(0)).toBe('a');
    await store.release(renewed!);
    expect((await store.view()).holders.has(0)).toBe(false);
    const next = await store.acquire(0, 'b');
    expect(next!.epoch).toBeGreaterThan(renewed!.epoch);
  });

  it('lets a lease that is not renewed lapse after the ttl, and then anyone may take it with a larger epoch', async () => {
    const store = await open();
    const first = await store.acquire(1, 'a');
    await store.announce('a');
    expect((await store.view()).members).toEqual(['a']);
    const deadline = Date.now() + TTL_MS * 5;
    let second = await store.acquire(1, 'b');
    while (second === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      second = await store.acquire(1, 'b');
    }
    expect(second).toBeDefined();
    expect(second!.epoch).toBeGreaterThan(first!.epoch);
    expect(await store.refresh(first!, 'a')).toBeUndefined();
    expect((await store.view()).members).toEqual([]);
  });

  it('keeps epochs growing when the bucket is deleted and created again (revisions restart at 1)', async () => {
    const bucket = uniqueName('LEASES');
    const before = await open(bucket);
    for (let i = 0; i < 20; i++) await before.announce('busy'); // advance the first bucket's revisions
    const old = await before.acquire(2, 'a');
    await jsm.streams.delete(`KV_${bucket}`);
    await new Promise((resolve) => setTimeout(resolve, 5)); // a later creation millisecond
    const after = await open(bucket);
    const fresh = await after.acquire(2, 'b');
    expect(fresh!.revision).toBeLessThan(old!.revision);
    expect(fresh!.epoch).toBeGreaterThan(old!.epoch);
  });

  it('keeps groups apart in one bucket', async () => {
    const bucket = uniqueName('LEASES');
    const one = await open(bucket, 'one');
    const two = await open(bucket, 'two');
    expect(await one.acquire(3, 'a')).toBeDefined();
    expect(await two.acquire(3, 'b')).toBeDefined();
    expect((await one.view()).holders.get(3)).toBe('a');
    expect((await two.view()).holders.get(3)).toBe('b');
  });
});
