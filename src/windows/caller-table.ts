/**
 * The caller table: open addressing with linear probing, one 64-byte record per slot, stored in the slot
 * itself (one cache line per lookup instead of a slot → record hop). Deletion shifts the probe run back, so
 * there are no tombstones and reclaiming idle callers never degrades lookups.
 *
 * Record layout (u32 index within the slot; f64 index = u32 index / 2) and the constant naming each field:
 *
 * | u32   | inline mode (≤ 3 events)                   | block mode                             |
 * |-------|--------------------------------------------|----------------------------------------|
 * | 0–1   | caller, f64; 0 = empty slot (`CALLER_F64`) | caller                                 |
 * | 2–3   | T, latest event time, f64 (`LATEST_F64`)   | T                                      |
 * | 4–5   | event 0 callee, f64; 0 = none              | base, f64: ring times are `t − base`   |
 * |       | (`INLINE_CALLEE_F64`)                      | (`BASE_F64`)                           |
 * | 6     | event 0 `T − t` (`INLINE_AGE_U32`)         | ring block pointer (`RING_PTR`)        |
 * | 7     | control word (`CONTROL`); event 0          | control word                           |
 * |       | duration in its low bits                   |                                        |
 * | 8–9   | event 1 callee                             | ring start (physical), ring length     |
 * |       |                                            | (`RING_START`, `RING_LEN`)             |
 * | 10    | event 1 `T − t`                            | ring capacity (`RING_CAP`)             |
 * | 11    | event 1 duration                           | callee index pointer or NO_BLOCK       |
 * |       |                                            | (`INDEX_PTR`)                          |
 * | 12–13 | event 2 callee                             | callee index capacity, slots used      |
 * |       |                                            | (`INDEX_CAP`, `INDEX_USED`)            |
 * | 14–15 | event 2 `T − t`, event 2 duration          | next expiry, f64: no window's tail can |
 * |       |                                            | expire before T reaches it             |
 * |       |                                            | (`NEXT_EXPIRY_F64`)                    |
 */
import { homeSlot, hashNumber, slotScale } from './number-hash.js';

/** One record per slot: 16 u32 = 8 f64 = 64 bytes. A slot's u32 fields start at `slot * SLOT_U32`. */
export const SLOT_U32 = 16;
export const SLOT_F64 = 8;
export const SLOT_BYTES = SLOT_U32 * 4;

/** Fields of both modes (f64 indexes within the slot). */
export const CALLER_F64 = 0;
export const LATEST_F64 = 1;
/** u32 4–15 hold the mode's own fields; a reset clears them. */
export const MODE_FIELDS_U32 = 4;

/** The control word (u32 7): inline event 0's duration, the inline event count and the mode flags. */
export const CONTROL = 7;
/** Duration seconds (0 … 86,400) in the low 17 bits; also the low bits of a ring entry's duration word. */
export const DURATION_MASK = 0x1ffff;
export const INLINE_COUNT_SHIFT = 17;
export const INLINE_COUNT_MASK = 3 << INLINE_COUNT_SHIFT;
export const EPISODES_BIT = 1 << 29;
export const BLOCK_BIT = 1 << 30;

/**
 * Inline-mode events, oldest first. Event i: callee at f64 `INLINE_CALLEE_F64 + i * INLINE_EVENT_F64`, age at
 * u32 `INLINE_AGE_U32 + i * INLINE_EVENT_U32`, duration at u32 `INLINE_DURATION_U32 + i * INLINE_EVENT_U32`
 * except event 0, whose duration slot is the control word (it sits in the low bits).
 */
export const INLINE_CALLEE_F64 = 2;
export const INLINE_AGE_U32 = 6;
export const INLINE_DURATION_U32 = 7;
export const INLINE_EVENT_F64 = 2;
export const INLINE_EVENT_U32 = 4;

/** Block-mode fields: f64 indexes … */
export const BASE_F64 = 2;
export const NEXT_EXPIRY_F64 = 7;
/** … and u32 indexes within the slot. */
export const RING_PTR = 6;
export const RING_START = 8;
export const RING_LEN = 9;
export const RING_CAP = 10;
export const INDEX_PTR = 11;
export const INDEX_CAP = 12;
export const INDEX_USED = 13;

const MAX_LOAD = 0.75;
const PRESIZE_LOAD = 0.7;

export class CallerTable {
  f64: Float64Array;
  u32: Uint32Array;
  capacity: number;
  /** Occupied slots. */
  size = 0;
  private scale: number;

  constructor(expectedCallers: number, buffer?: ArrayBuffer) {
    if (buffer !== undefined) {
      this.capacity = buffer.byteLength / SLOT_BYTES;
    } else {
      this.capacity = Math.max(16, Math.ceil(expectedCallers / PRESIZE_LOAD));
      buffer = new ArrayBuffer(this.capacity * SLOT_BYTES);
    }
    this.f64 = new Float64Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.scale = slotScale(this.capacity);
  }

  get bytes(): number {
    return this.capacity * SLOT_BYTES;
  }

  /** The caller's slot, or −1. */
  find(caller: number): number {
    const f64 = this.f64;
    const capacity = this.capacity;
    let slot = homeSlot(hashNumber(caller), this.scale, capacity);
    for (;;) {
      const key = f64[slot * SLOT_F64 + CALLER_F64]!;
      if (key === caller) return slot;
      if (key === 0) return -1;
      if (++slot === capacity) slot = 0;
    }
  }

  /**
   * The caller's slot, creating an empty record (T = −∞, inline, no events) when absent. May grow the table,
   * which moves records: slots from before the call are stale after it.
   */
  findOrInsert(caller: number): number {
    const f64 = this.f64;
    const capacity = this.capacity;
    let slot = homeSlot(hashNumber(caller), this.scale, capacity);
    for (;;) {
      const key = f64[slot * SLOT_F64 + CALLER_F64]!;
      if (key === caller) return slot;
      if (key === 0) break;
      if (++slot === capacity) slot = 0;
    }
    if (this.size + 1 > capacity * MAX_LOAD) {
      this.resize(Math.ceil(capacity * 1.5));
      return this.findOrInsert(caller);
    }
    this.size++;
    f64[slot * SLOT_F64 + CALLER_F64] = caller;
    f64[slot * SLOT_F64 + LATEST_F64] = -Infinity;
    return slot;
  }

  /** Removes the record in `slot` (its blocks must already be freed); later records of its run shift back. */
  remove(slot: number): void {
    const f64 = this.f64;
    const u32 = this.u32;
    const capacity = this.capacity;
    let hole = slot;
    let next = slot;
    for (;;) {
      if (++next === capacity) next = 0;
      const key = f64[next * SLOT_F64 + CALLER_F64]!;
      if (key === 0) break;
      const home = homeSlot(hashNumber(key), this.scale, capacity);
      // The record at `next` may fill the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!stays) {
        u32.copyWithin(hole * SLOT_U32, next * SLOT_U32, next * SLOT_U32 + SLOT_U32);
        hole = next;
      }
    }
    u32.fill(0, hole * SLOT_U32, hole * SLOT_U32 + SLOT_U32);
    this.size--;
  }

  private resize(capacity: number): void {
    const oldF64 = this.f64;
    const oldU32 = this.u32;
    const oldCapacity = this.capacity;
    const buffer = new ArrayBuffer(capacity * SLOT_BYTES);
    this.f64 = new Float64Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.capacity = capacity;
    this.scale = slotScale(capacity);
    for (let old = 0; old < oldCapacity; old++) {
      const key = oldF64[old * SLOT_F64 + CALLER_F64]!;
      if (key === 0) continue;
      let slot = homeSlot(hashNumber(key), this.scale, capacity);
      while (this.f64[slot * SLOT_F64 + CALLER_F64] !== 0) if (++slot === capacity) slot = 0;
      this.u32.set(oldU32.subarray(old * SLOT_U32, old * SLOT_U32 + SLOT_U32), slot * SLOT_U32);
    }
  }
}
