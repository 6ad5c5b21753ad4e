/** SeqWaiters: waits for a stream sequence resolve true when it is released, false on timeout or cancel. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SeqWaiters } from '../../../src/engine/worker/seq-waiters.js';

/** The outcome of a wait so far: undefined while it is pending. */
function track(wait: Promise<boolean>): { outcome: boolean | undefined } {
  const state: { outcome: boolean | undefined } = { outcome: undefined };
  void wait.then((reached) => (state.outcome = reached));
  return state;
}

/** Lets promise callbacks run. */
async function settle(): Promise<void> {
  await Promise.resolve();
  await Promise.resolve();
}

describe('SeqWaiters', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('resolves true every wait at or below the released sequence and keeps the ones above', async () => {
    const waiters = new SeqWaiters();
    const three = track(waiters.wait(3, 1_000));
    const five = track(waiters.wait(5, 1_000));
    const ten = track(waiters.wait(10, 1_000));
    await settle();
    expect([three.outcome, five.outcome, ten.outcome]).toEqual([undefined, undefined, undefined]);

    waiters.release(5);
    await settle();
    expect([three.outcome, five.outcome, ten.outcome]).toEqual([true, true, undefined]);

    waiters.release(9);
    await settle();
    expect(ten.outcome).toBeUndefined();
    waiters.release(12);
    await settle();
    expect(ten.outcome).toBe(true);

    // A released wait's timer finds nothing to do when it fires.
    await vi.advanceTimersByTimeAsync(1_000);
    expect([three.outcome, five.outcome, ten.outcome]).toEqual([true, true, true]);
  });

  it('resolves false once the timeout passes, and a later release no longer sees that wait', async () => {
    const waiters = new SeqWaiters();
    const short = track(waiters.wait(7, 100));
    const long = track(waiters.wait(7, 500));
    await vi.advanceTimersByTimeAsync(99);
    expect(short.outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(short.outcome).toBe(false);
    expect(long.outcome).toBeUndefined();

    waiters.release(7);
    await settle();
    expect(short.outcome).toBe(false);
    expect(long.outcome).toBe(true);
  });

  it('cancel resolves every pending wait with false and leaves none behind', async () => {
    const waiters = new SeqWaiters();
    const a = track(waiters.wait(1, 1_000));
    const b = track(waiters.wait(100, 1_000));
    waiters.cancel();
    await settle();
    expect([a.outcome, b.outcome]).toEqual([false, false]);

    const after = track(waiters.wait(2, 1_000));
    waiters.release(2);
    await settle();
    expect(after.outcome).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect([a.outcome, b.outcome, after.outcome]).toEqual([false, false, true]);
  });

  it('release does no work when nobody waits, including after every wait has resolved or timed out', async () => {
    const waiters = new SeqWaiters();
    const filter = vi.spyOn(Array.prototype, 'filter');
    waiters.release(1);
    expect(filter).not.toHaveBeenCalled();

    const released = track(waiters.wait(3, 1_000));
    const timedOut = track(waiters.wait(50, 10));
    waiters.release(3);
    expect(filter).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10);
    expect([released.outcome, timedOut.outcome]).toEqual([true, false]);

    filter.mockClear();
    waiters.release(100);
    expect(filter).not.toHaveBeenCalled();
  });
});
