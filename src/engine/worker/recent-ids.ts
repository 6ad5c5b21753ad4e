/**
 * A bounded set of recently seen call_ids: the switch-duplicate filter. Oldest ids are forgotten first, so
 * memory stays fixed however long the engine runs; a duplicate arriving after `capacity` newer ids passes
 * (JetStream's Nats-Msg-Id window catches quick re-sends before they reach us).
 */
export class RecentIds {
  private readonly seen = new Set<string>();
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.ring = new Array<string | undefined>(capacity);
  }

  /** Adds the id; returns false when it was already present (a duplicate). */
  add(id: string): boolean {
    if (this.seen.has(id)) return false;
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.seen.delete(evicted);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.capacity;
    this.seen.add(id);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  /** The remembered ids, oldest first: what a checkpoint keeps. */
  toArray(): string[] {
    const ids: string[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const id = this.ring[(this.next + i) % this.capacity];
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }

  /** A set that remembers `ids` (oldest first) as if they had been added in that order. */
  static from(capacity: number, ids: readonly string[]): RecentIds {
    const restored = new RecentIds(capacity);
    for (const id of ids.length > capacity ? ids.slice(ids.length - capacity) : ids) restored.add(id);
    return restored;
  }
}
