/**
 * The ownership loop against an in-memory store with NATS KV semantics, on vitest's fake clock: joins, leaves,
 * crashes, twins and a store outage, checking that no partition is ever worked on by two members at once
 * (as the handlers see it) and that every partition ends up owned.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PartitionOwnership, type Lease } from '../../src/ownership/index.js';
import { MemoryLeaseStore } from './support/memory-lease-store.js';

const PARTITIONS = 16;
const TTL_MS = 6_000;
const silent = pino({ level: 'silent' });

/** Which member works on which partition, as the handlers are told; throws on a double owner. */
class WorkBoard {
  readonly owner = new Map<number, string>();
  readonly lost: [string, number][] = [];
  claims = 0;

  claimed(member: string, lease: Lease): void {
    const current = this.owner.get(lease.partition);
    if (current !== undefined)
      throw new Error(`partition ${lease.partition}: ${member} claimed while ${current} works on it`);
    this.owner.set(lease.partition, member);
    this.claims++;
  }

  stopped(member: string, partition: number): void {
    if (this.owner.get(partition) === member) this.owner.delete(partition);
  }

  countOf(member: string): number {
    return [...this.owner.values()].filter((owner) => owner === member).length;
  }
}

function member(
  store: MemoryLeaseStore,
  board: WorkBoard,
  token: string,
  handOffMs = 50,
): PartitionOwnership {
  return new PartitionOwnership({
    store,
    token,
    partitions: PARTITIONS,
    renewEveryMs: TTL_MS / 4,
    pollEveryMs: 1_000,
    logger: silent,
    handlers: {
      onClaimed: (lease) => board.claimed(token, lease),
      onReleasing: async (partition) => {
        await new Promise((resolve) => setTimeout(resolve, handOffMs));
        board.stopped(token, partition);
      },
      onLost: (partition) => {
        board.lost.push([token, partition]);
        board.stopped(token, partition);
      },
    },
  });
}

/** A crashed member: its timers stop and it never releases anything (as after SIGKILL). */
function crash(ownership: PartitionOwnership, board: WorkBoard, token: string): void {
  (ownership as unknown as { stopped: boolean }).stopped = true;
  clearInterval((ownership as unknown as { timer: NodeJS.Timeout }).timer);
  for (const [partition, owner] of board.owner) if (owner === token) board.owner.delete(partition);
}

async function advance(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 250) await vi.advanceTimersByTimeAsync(250);
}

/** Graceful stops, with the clock moving so hand-offs (which take `handOffMs`) can finish. */
async function stopAll(...members: PartitionOwnership[]): Promise<void> {
  const stopped = Promise.all(members.map((m) => m.stop()));
  await advance(1_000);
  await stopped;
}

describe('PartitionOwnership', () => {
  let store: MemoryLeaseStore;
  let board: WorkBoard;

  beforeEach(() => {
    vi.useFakeTimers();
    store = new MemoryLeaseStore(PARTITIONS, TTL_MS);
    board = new WorkBoard();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('a lone member claims every partition', async () => {
    const a = member(store, board, 'a');
    await a.start();
    await advance(2_000);
    expect(board.countOf('a')).toBe(PARTITIONS);
    expect(a.held().size).toBe(PARTITIONS);
    await stopAll(a);
    expect(board.owner.size).toBe(0);
    expect((await store.view()).holders.size).toBe(0);
  });

  it('a joining member gets half, handed off (not stolen), and nothing else moves', async () => {
    const a = member(store, board, 'a');
    await a.start();
    await advance(2_000);
    const claimsBefore = board.claims;
    const b = member(store, board, 'b');
    await b.start();
    await advance(5_000);
    expect(board.countOf('a')).toBe(8);
    expect(board.countOf('b')).toBe(8);
    expect(board.claims - claimsBefore).toBe(8);
    expect(board.lost).toEqual([]);
    await stopAll(a, b);
  });

  it("a crashed member's partitions are claimed after its leases lapse, never before", async () => {
    const a = member(store, board, 'a');
    const b = member(store, board, 'b');
    await a.start();
    await b.start();
    await advance(5_000);
    const ofB = [...board.owner].filter(([, owner]) => owner === 'b').map(([p]) => p);
    expect(ofB).toHaveLength(8);
    crash(b, board, 'b');
    await advance(TTL_MS - 1_500);
    for (const partition of ofB) expect(store.holderOf(partition)).toBe('b'); // still leased: nobody took it
    await advance(3_000);
    expect(board.countOf('a')).toBe(PARTITIONS);
    await stopAll(a);
  });

  it('a twin with the same configuration (another token) splits the work instead of sharing partitions', async () => {
    const first = member(store, board, 'engine-0-aaaa');
    const twin = member(store, board, 'engine-0-bbbb');
    await Promise.all([first.start(), twin.start()]);
    await advance(6_000);
    expect(board.countOf('engine-0-aaaa') + board.countOf('engine-0-bbbb')).toBe(PARTITIONS);
    expect(Math.abs(board.countOf('engine-0-aaaa') - board.countOf('engine-0-bbbb'))).toBeLessThanOrEqual(0);
    await stopAll(first, twin);
  });

  it('loses its leases when it cannot renew them past their term, then claims again when the store is back', async () => {
    const a = member(store, board, 'a');
    await a.start();
    await advance(2_000);
    store.unreachable = true;
    await advance(TTL_MS + 2_000);
    store.unreachable = false;
    await advance(3_000);
    expect(board.lost.length).toBe(PARTITIONS);
    expect(board.countOf('a')).toBe(PARTITIONS);
    await stopAll(a);
  });

  it('scales 1 → 3 → 2 with every partition owned once at the end of each step', async () => {
    const a = member(store, board, 'a');
    await a.start();
    await advance(2_000);
    const b = member(store, board, 'b');
    const c = member(store, board, 'c');
    await Promise.all([b.start(), c.start()]);
    await advance(6_000);
    expect(['a', 'b', 'c'].map((m) => board.countOf(m)).sort()).toEqual([5, 5, 6]);
    await stopAll(c); // scale in: graceful
    await advance(3_000);
    expect(board.countOf('a')).toBe(8);
    expect(board.countOf('b')).toBe(8);
    expect(board.lost).toEqual([]);
    await stopAll(a, b);
  });

  it('keeps renewing its leases while a slow graceful hand-off runs, and hands each partition off once', async () => {
    const slowHandOffMs = TTL_MS + 4_000; // longer than a lease term
    let handOffs = 0;
    const a = new PartitionOwnership({
      store,
      token: 'a',
      partitions: PARTITIONS,
      renewEveryMs: TTL_MS / 4,
      pollEveryMs: 1_000,
      logger: silent,
      handlers: {
        onClaimed: (lease) => board.claimed('a', lease),
        onReleasing: async (partition) => {
          handOffs++;
          await new Promise((resolve) => setTimeout(resolve, slowHandOffMs));
          board.stopped('a', partition);
        },
        onLost: (partition) => board.lost.push(['a', partition]),
      },
    });
    await a.start();
    await advance(2_000);
    const b = member(store, board, 'b');
    await b.start();
    const stopping = a.stop();
    await advance(slowHandOffMs - 1_000);
    // Still a's: renewed through the hand-off, so b has not taken any of them (WorkBoard throws on a double owner).
    expect(board.countOf('a')).toBe(PARTITIONS);
    expect(board.lost).toEqual([]);
    await advance(3_000);
    await stopping;
    await advance(3_000);
    expect(board.countOf('b')).toBe(PARTITIONS);
    expect(handOffs).toBe(PARTITIONS);
    await stopAll(b);
  });
});
