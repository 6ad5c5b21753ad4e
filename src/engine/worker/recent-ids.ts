/**
 * A bounded set of recently seen call_ids: the switch-duplicate filter. Oldest ids are forgotten first, so
 * memory stays fixed however long the engine runs; a duplicate arriving after `capacity` newer ids passes
 * (JetStream's Nats-Msg-Id window catches quick re-sends before they reach us).
 *
 * Off the V8 heap: each id's UTF-8 bytes go into a ring of fixed-width slots in one Buffer, found through an
 * open-addressing table of slot numbers (linear probing, backward-shift deletion) in a typed array, and
 * compared byte for byte, so a hash collision never passes for a duplicate. With a million ids held (the
 * DEDUP_CAPACITY default) a `Set<string>` kept every call_id string alive until a million newer ones pushed
 * it out: each was promoted to the old generation and the set's table with it, which made the garbage
 * collector the largest single cost of a draining worker (bench/README.md). Ids longer than a slot (rare:
 * UUIDs take 36 bytes) are kept as strings in a small side set.
 */

/** Bytes per slot: a UUID (36) with room to spare. */
const SLOT_BYTES = 64;
/** `slotLength` of a slot whose id is in the long-id side set. */
const LONG = 0xff;

function fnv1a(bytes: Uint8Array, length: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

export class RecentIds {
  private readonly slots: Buffer;
  /** UTF-8 length of each slot's id; 0 = empty, LONG = in `longIds`. */
  private readonly slotLength: Uint8Array;
  private readonly slotHash: Uint32Array;
  /** Open-addressing table: slot number + 1, 0 = empty. */
  private readonly table: Int32Array;
  private readonly mask: number;
  private readonly longIds = new Set<string>();
  private readonly longBySlot = new Map<number, string>();
  private readonly scratch = Buffer.alloc(SLOT_BYTES * 3);
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.slots = Buffer.alloc(capacity * SLOT_BYTES);
    this.slotLength = new Uint8Array(capacity);
    this.slotHash = new Uint32Array(capacity);
    let size = 4;
    while (size < capacity * 2) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Adds the id; returns false when it was already present (a duplicate). */
  add(id: string): boolean {
    // A UTF-8 id is at least as many bytes as UTF-16 units: longer than a slot in units means longer in bytes.
    const length = id.length > SLOT_BYTES ? SLOT_BYTES + 1 : this.scratch.write(id, 0, 'utf8');
    if (length > SLOT_BYTES) {
      if (this.longIds.has(id)) return false;
      this.evict();
      this.longIds.add(id);
      this.longBySlot.set(this.next, id);
      this.slotLength[this.next] = LONG;
      this.advance();
      return true;
    }
    const hash = fnv1a(this.scratch, length);
    if (this.find(hash, length) >= 0) return false;
    this.evict();
    const slot = this.next;
    this.scratch.copy(this.slots, slot * SLOT_BYTES, 0, length);
    this.slotLength[slot] = length;
    this.slotHash[slot] = hash;
    let at = hash & this.mask;
    while (this.table[at] !== 0) at = (at + 1) & this.mask;
    this.table[at] = slot + 1;
    this.advance();
    return true;
  }

  get size(): number {
    return this.count;
  }

  /** The remembered ids, oldest first: what a checkpoint keeps. */
  toArray(): string[] {
    const ids: string[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const slot = (this.next + i) % this.capacity;
      const length = this.slotLength[slot]!;
      if (length === 0) continue;
      if (length === LONG) ids.push(this.longBySlot.get(slot)!);
      else ids.push(this.slots.toString('utf8', slot * SLOT_BYTES, slot * SLOT_BYTES + length));
    }
    return ids;
  }

  /** A set that remembers `ids` (oldest first) as if they had been added in that order. */
  static from(capacity: number, ids: readonly string[]): RecentIds {
    const restored = new RecentIds(capacity);
    for (const id of ids.length > capacity ? ids.slice(ids.length - capacity) : ids) restored.add(id);
    return restored;
  }

  /** Table index holding the id now in `scratch[0, length)`, or −1. */
  private find(hash: number, length: number): number {
    for (let at = hash & this.mask; ; at = (at + 1) & this.mask) {
      const entry = this.table[at]!;
      if (entry === 0) return -1;
      const slot = entry - 1;
      if (this.slotHash[slot] === hash && this.slotLength[slot] === length && this.sameBytes(slot, length))
        return at;
    }
  }

  private sameBytes(slot: number, length: number): boolean {
    const base = slot * SLOT_BYTES;
    for (let i = 0; i < length; i++) if (this.slots[base + i] !== this.scratch[i]) return false;
    return true;
  }

  /** Forgets the id in the slot about to be reused, if any. */
  private evict(): void {
    const slot = this.next;
    const length = this.slotLength[slot]!;
    if (length === 0) return;
    this.count--;
    this.slotLength[slot] = 0;
    if (length === LONG) {
      this.longIds.delete(this.longBySlot.get(slot)!);
      this.longBySlot.delete(slot);
      return;
    }
    let at = this.slotHash[slot]! & this.mask;
    while (this.table[at] !== slot + 1) at = (at + 1) & this.mask;
    this.removeAt(at);
  }

  /** Backward-shift deletion: later entries of the probe run move up so no lookup stops early. */
  private removeAt(index: number): void {
    let hole = index;
    for (let at = (hole + 1) & this.mask; this.table[at] !== 0; at = (at + 1) & this.mask) {
      const home = this.slotHash[this.table[at]! - 1]! & this.mask;
      // The entry may fill the hole when its home is not cyclically within (hole, at].
      const movable = hole <= at ? home <= hole || home > at : home <= hole && home > at;
      if (movable) {
        this.table[hole] = this.table[at]!;
        hole = at;
      }
    }
    this.table[hole] = 0;
  }

  private advance(): void {
    this.count++;
    this.next = (this.next + 1) % this.capacity;
  }
}
