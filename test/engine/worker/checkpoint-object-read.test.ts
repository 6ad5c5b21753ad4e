/**
 * Reading a checkpoint object never hangs: when the object store's client stops delivering chunks (its ordered
 * consumer stalls after a NATS node or leader loss), the read gives up after the stall limit and cancels the
 * client's stream, so the partition is not left claimed but unopened. A fake store injects the stall.
 */
import type { ObjectResult, ObjectStore } from '@nats-io/obj';
import { describe, expect, it } from 'vitest';
import { readObjectBytes } from '../../../src/engine/worker/checkpoint-objects.js';

function storeDelivering(
  chunks: Uint8Array[],
  then: 'close' | 'stall',
  onCancel: () => void = () => undefined,
) {
  const store: Pick<ObjectStore, 'get'> = {
    get: () =>
      Promise.resolve({
        data: new ReadableStream<Uint8Array>({
          start(controller) {
            for (const chunk of chunks) controller.enqueue(chunk);
            if (then === 'close') controller.close();
          },
          cancel: onCancel,
        }),
        error: then === 'close' ? Promise.resolve(null) : new Promise<Error | null>(() => undefined),
      } as unknown as ObjectResult),
  };
  return store;
}

describe('readObjectBytes', () => {
  it('returns every chunk of an object, in order', async () => {
    const store = storeDelivering([Uint8Array.of(1, 2), Uint8Array.of(3)], 'close');
    expect([...((await readObjectBytes(store, 'p', 1_000)) ?? [])]).toEqual([1, 2, 3]);
  });

  it('returns null for a missing object', async () => {
    const store: Pick<ObjectStore, 'get'> = { get: () => Promise.resolve(null) };
    expect(await readObjectBytes(store, 'p', 1_000)).toBeNull();
  });

  it('gives up on a stalled read and cancels the client stream', async () => {
    let cancelled = false;
    const store = storeDelivering([Uint8Array.of(1)], 'stall', () => (cancelled = true));
    await expect(readObjectBytes(store, 'p', 50)).rejects.toThrow('no data for 50 ms');
    expect(cancelled).toBe(true);
  });

  it('gives up on a read that does not start (the client keeps re-creating its consumer)', async () => {
    const store: Pick<ObjectStore, 'get'> = { get: () => new Promise<ObjectResult | null>(() => undefined) };
    await expect(readObjectBytes(store, 'p', 50)).rejects.toThrow('did not start within 50 ms');
  });

  it('cancels a read that starts after it was given up', async () => {
    let cancelled = false;
    let start: (result: ObjectResult) => void = () => undefined;
    const late = storeDelivering([], 'stall', () => (cancelled = true));
    const store: Pick<ObjectStore, 'get'> = {
      get: () => new Promise<ObjectResult | null>((resolve) => (start = resolve)),
    };
    await expect(readObjectBytes(store, 'p', 20)).rejects.toThrow('did not start');
    start((await late.get('p'))!);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(cancelled).toBe(true);
  });

  it('reports a failure of the client (a corrupt object)', async () => {
    const store: Pick<ObjectStore, 'get'> = {
      get: () =>
        Promise.resolve({
          data: new ReadableStream<Uint8Array>({
            start(controller) {
              controller.error(new Error('received a corrupt object, digests do not match'));
            },
          }),
          error: Promise.reject(new Error('received a corrupt object, digests do not match')),
        } as unknown as ObjectResult),
    };
    await expect(readObjectBytes(store, 'p', 1_000)).rejects.toThrow('corrupt object');
  });
});
