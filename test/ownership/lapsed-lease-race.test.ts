/**
 * A failed heartbeat while a lapsed lease is being reported must not leave a partition leased but idle. Found
 * by the chaos suite (a NATS node killed): the heartbeat write failed at once, the round ended while the
 * renewals were still in flight, the next round claimed the partitions whose leases had lapsed, and the late
 * "lost" of the old leases then stopped the work just started under the new ones. The store here (fake clock)
 * makes the heartbeat fail, lets every lease lapse and answers views slowly, as NATS did.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PartitionOwnership, type Lease, type OwnershipView } from '../../src/ownership/index.js';
import { MemoryLeaseStore } from './support/memory-lease-store.js';

const PARTITIONS = 4;
const TTL_MS = 6_000;

class FlakyStore extends MemoryLeaseStore {
  heartbeatFails = false;
  /** Every refresh finds its lease aged out (and the key gone), as after a stall longer than the term. */
  leasesLapse = false;
  /** Delays of the next views, in call order (the lost lease's check of who holds it now was the slow one). */
  viewDelaysMs: number[] = [];

  override async announce(owner: string): Promise<void> {
    if (this.heartbeatFails) throw new Error('no responders');
    await super.announce(owner);
  }

  override async refresh(lease: Lease, owner: string): Promise<Lease | undefined> {
    if (!this.leasesLapse) return await super.refresh(lease, owner);
    await super.release(lease);
    return undefined;
  }

  override async view(): Promise<OwnershipView> {
    const delayMs = this.viewDelaysMs.shift() ?? 0;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    return await super.view();
  }
}

async function advance(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) await vi.advanceTimersByTimeAsync(100);
}

describe('PartitionOwnership: a lease lapses while the heartbeat fails', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('every partition it holds a lease on is worked on, under that lease', async () => {
    const store = new FlakyStore(PARTITIONS, TTL_MS);
    /** Partition → epoch of the lease its work runs under, as the handlers were told. */
    const working = new Map<number, number>();
    const ownership = new PartitionOwnership({
      store,
      token: 'a',
      partitions: PARTITIONS,
      renewEveryMs: TTL_MS / 4,
      pollEveryMs: 1_000,
      logger: pino({ level: 'silent' }),
      handlers: {
        onClaimed: (lease) => working.set(lease.partition, lease.epoch),
        onReleasing: async (partition) => {
          working.delete(partition);
        },
        onLost: (partition) => working.delete(partition),
      },
    });
    await ownership.start();
    await advance(2_000);
    expect(working.size).toBe(PARTITIONS);

    store.heartbeatFails = true;
    store.leasesLapse = true;
    store.viewDelaysMs = [0, 800, 800, 800, 800];
    await advance(2_100); // one renewal: every lease found lapsed, the heartbeat failing
    store.leasesLapse = false;
    store.heartbeatFails = false;
    await advance(4_000);

    const held = ownership.held();
    expect(held.size).toBe(PARTITIONS);
    for (const [partition, lease] of held)
      expect(working.get(partition), `partition ${partition}`).toBe(lease.epoch);
    const stopped = ownership.stop();
    await advance(1_000);
    await stopped;
  });
});
