/**
 * An in-memory `LeaseStore` with the NATS KV semantics the real one relies on: one revision counter for the
 * whole bucket, create only when absent, update only at the last revision, entries that lapse `ttlMs` after
 * their last write (by `Date.now()`, so vitest's fake timers drive it). Several coordinators can share one to
 * play out joins, leaves and crashes without servers.
 */
import type { Lease, LeaseStore, OwnershipView } from '../../../src/ownership/index.js';

interface Entry {
  value: string;
  revision: number;
  writtenAtMs: number;
}

export class MemoryLeaseStore implements LeaseStore {
  private revision = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly watchers = new Set<() => void>();
  /** Set to make every call fail, as an unreachable store would. */
  unreachable = false;

  constructor(
    private readonly partitions: number,
    private readonly ttlMs: number,
  ) {}

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (Date.now() - entry.writtenAtMs >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private write(key: string, value: string): number {
    this.revision++;
    this.entries.set(key, { value, revision: this.revision, writtenAtMs: Date.now() });
    for (const watcher of this.watchers) queueMicrotask(watcher);
    return this.revision;
  }

  private check(): void {
    if (this.unreachable) throw new Error('store unreachable');
  }

  /** The token holding a partition right now, if any. */
  holderOf(partition: number): string | undefined {
    return this.live(`partition.${partition}`)?.value;
  }

  async acquire(partition: number, owner: string): Promise<Lease | undefined> {
    this.check();
    if (this.live(`partition.${partition}`) !== undefined) return undefined;
    const revision = this.write(`partition.${partition}`, owner);
    return { partition, epoch: revision, revision };
  }

  async refresh(lease: Lease, owner: string): Promise<Lease | undefined> {
    this.check();
    const entry = this.live(`partition.${lease.partition}`);
    if (entry === undefined || entry.revision !== lease.revision) return undefined;
    return { ...lease, revision: this.write(`partition.${lease.partition}`, owner) };
  }

  async release(lease: Lease): Promise<void> {
    this.check();
    const entry = this.live(`partition.${lease.partition}`);
    if (entry?.revision === lease.revision) {
      this.entries.delete(`partition.${lease.partition}`);
      for (const watcher of this.watchers) queueMicrotask(watcher);
    }
  }

  async announce(owner: string): Promise<void> {
    this.check();
    this.write(`member.${owner}`, owner);
  }

  async leave(owner: string): Promise<void> {
    this.check();
    this.entries.delete(`member.${owner}`);
  }

  async view(): Promise<OwnershipView> {
    this.check();
    const holders = new Map<number, string>();
    for (let partition = 0; partition < this.partitions; partition++) {
      const holder = this.holderOf(partition);
      if (holder !== undefined) holders.set(partition, holder);
    }
    const members = [...this.entries.keys()]
      .filter((key) => key.startsWith('member.') && this.live(key) !== undefined)
      .map((key) => key.slice('member.'.length))
      .sort();
    return { members, holders };
  }

  async watch(onChange: () => void): Promise<() => void> {
    this.watchers.add(onChange);
    return () => this.watchers.delete(onChange);
  }
}
