/**
 * Per-caller callee index: callee → ring position of its latest event, for callers holding enough events that
 * scanning the ring for a repeat callee would cost more than a probe. It lives in the caller's own slab block,
 * so a busy caller's index stays hot in cache instead of being spread over one global (caller, callee) table.
 *
 * A slot is one u32: a 9-bit tag of the callee's hash above a 23-bit ring position (0 = empty slot). The
 * callee itself is read from the ring, which the engine touches anyway to clear the old "latest" flag; the tag
 * only saves most of those reads for slots of other callees (one in 512 matches by chance). Ring positions
 * stay below 2^22, so the 23 bits also hold a position that is never live. Slots are never deleted when their
 * event expires: a slot is live only while its position holds a live event of that callee with the latest
 * flag set, stale slots are reused by their own callee, and the table is rebuilt from the ring (dropping stale
 * slots) when it fills up.
 */
import * as callerRecord from './caller-record.js';
import type { CallerTable } from './caller-table.js';
import { hashNumber } from './number-hash.js';
import { CHUNK_OFFSET_BITS, CHUNK_OFFSET_MASK, NO_BLOCK, roundedBlockUnits } from './slab.js';
import type { Slab } from './slab.js';

// Module-local copies, so that V8 compiles them into the code (see caller-record.ts).
const { INDEX_CAP, INDEX_PTR, INDEX_USED, RING_CAP, RING_LEN, RING_PTR, RING_START, SLOT_U32 } = callerRecord;

export const LATEST_BIT = 0x80000000;
/**
 * Rebuilt past a 0.85 load to a 0.65 one. Slots are 4 bytes, sixteen to a cache line, so the longer probe runs
 * of a fuller table still read one or two lines; 0.75 / 0.5 kept half the index empty.
 */
const MAX_LOAD = 0.85;
const REBUILD_LOAD = 0.65;
/** Index slots per 16-byte slab unit (a slot is one u32). */
const SLOTS_PER_UNIT = 4;
export const INDEX_SLOT_BYTES = 4;
const TWO_POW_MINUS_32 = 2.3283064365386963e-10;
const POSITION_BITS = 23;
const POSITION_MASK = (1 << POSITION_BITS) - 1;
const TAG_MASK = (1 << (32 - POSITION_BITS)) - 1;
/**
 * A position no ring reaches, far enough past every capacity (< 2^22) that `position − start` is never below
 * a ring's length either.
 */
const NEVER_LIVE = POSITION_MASK;

/** A callee's 32-bit hash: its high bits pick the home slot, its low bits the tag. */
export function calleeHash(callee: number): number {
  return hashNumber(callee);
}

/** The slot word's tag (1 … 511) for a hash; independent of the home slot, which comes from the high bits. */
function tagOf(hash: number): number {
  const tag = hash & TAG_MASK;
  return tag === 0 ? 1 : tag;
}

function home(hash: number, capacity: number): number {
  const slot = Math.floor(hash * capacity * TWO_POW_MINUS_32);
  return slot < capacity ? slot : capacity - 1;
}

export class CalleeIndex {
  /** After `find`: the index slot that matched, or where a new callee should go (−1 = none free). */
  private insertSlot = -1;
  private hitSlot = -1;

  constructor(
    private readonly callers: CallerTable,
    private readonly slab: Slab,
    /** Ring entries start this many units into the ring block (the per-window header). */
    private readonly headerUnits: number,
  ) {}

  /** Physical ring position of the callee's latest event, or −1. */
  find(slot: number, callee: number, hash: number): number {
    const cu = this.callers.u32;
    const s = slot * SLOT_U32;
    const indexPtr = cu[s + INDEX_PTR]!;
    const capacity = cu[s + INDEX_CAP]!;
    const iu = this.slab.u32[indexPtr >>> CHUNK_OFFSET_BITS]!;
    const ib = (indexPtr & CHUNK_OFFSET_MASK) * 4;
    const ringPtr = cu[s + RING_PTR]!;
    const ru = this.slab.u32[ringPtr >>> CHUNK_OFFSET_BITS]!;
    const rf = this.slab.f64[ringPtr >>> CHUNK_OFFSET_BITS]!;
    const rb = (ringPtr & CHUNK_OFFSET_MASK) + this.headerUnits;
    const start = cu[s + RING_START]!;
    const len = cu[s + RING_LEN]!;
    const ringCap = cu[s + RING_CAP]!;
    const tag = tagOf(hash);
    let j = home(hash, capacity);
    let reusable = -1;
    for (;;) {
      const word = iu[ib + j]!;
      if (word === 0) {
        this.hitSlot = -1;
        this.insertSlot = reusable >= 0 ? reusable : j;
        return -1;
      }
      if (word >>> POSITION_BITS === tag) {
        const pos = word & POSITION_MASK;
        let logical = pos - start;
        if (logical < 0) logical += ringCap;
        const unit = rb + pos;
        if (logical < len && (ru[unit * 4 + 3]! & LATEST_BIT) !== 0) {
          const other = rf[unit * 2]!;
          if (other === callee) {
            this.hitSlot = j;
            return pos;
          }
          if (reusable < 0 && tagOf(calleeHash(other)) !== tag) reusable = j;
        } else if (reusable < 0) {
          reusable = j;
        }
      }
      if (++j === capacity) j = 0;
    }
  }

  /** After a `find` hit: the callee's latest event moved to `pos`. */
  moveHit(slot: number, pos: number): void {
    const indexPtr = this.callers.u32[slot * SLOT_U32 + INDEX_PTR]!;
    const iu = this.slab.u32[indexPtr >>> CHUNK_OFFSET_BITS]!;
    const i = (indexPtr & CHUNK_OFFSET_MASK) * 4 + this.hitSlot;
    iu[i] = (iu[i]! & ~POSITION_MASK) | pos;
  }

  /**
   * After a `find` miss: records a new callee whose latest event is at `pos`. The event must already be in the
   * ring with its flag set, so that a rebuild (when the table is full) picks it up by itself.
   */
  insertMiss(slot: number, hash: number, pos: number): void {
    const cu = this.callers.u32;
    const s = slot * SLOT_U32;
    const indexPtr = cu[s + INDEX_PTR]!;
    const iu = this.slab.u32[indexPtr >>> CHUNK_OFFSET_BITS]!;
    const ib = (indexPtr & CHUNK_OFFSET_MASK) * 4;
    const j = this.insertSlot;
    if (iu[ib + j] === 0) {
      if (cu[s + INDEX_USED]! + 1 > cu[s + INDEX_CAP]! * MAX_LOAD) {
        this.rebuild(slot);
        return;
      }
      cu[s + INDEX_USED]!++;
    }
    iu[ib + j] = (tagOf(hash) << POSITION_BITS) | pos;
  }

  /** An entry with the latest flag moved from `oldPos` to `newPos` (ring shift for an out-of-order event). */
  moveEntry(slot: number, hash: number, oldPos: number, newPos: number): void {
    const cu = this.callers.u32;
    const indexPtr = cu[slot * SLOT_U32 + INDEX_PTR]!;
    const capacity = cu[slot * SLOT_U32 + INDEX_CAP]!;
    const iu = this.slab.u32[indexPtr >>> CHUNK_OFFSET_BITS]!;
    const ib = (indexPtr & CHUNK_OFFSET_MASK) * 4;
    const tagBits = tagOf(hash) << POSITION_BITS;
    const oldWord = (tagBits | oldPos) >>> 0;
    let j = home(hash, capacity);
    while (iu[ib + j] !== 0) {
      if (iu[ib + j] === oldWord) {
        iu[ib + j] = tagBits | newPos;
        return;
      }
      if (++j === capacity) j = 0;
    }
  }

  /** Builds the index from the ring's flagged entries (first build, ring re-laid out, or table full). */
  rebuild(slot: number): void {
    const cu = this.callers.u32;
    const s = slot * SLOT_U32;
    const old = cu[s + INDEX_PTR]!;
    if (old !== NO_BLOCK) this.slab.free(old, cu[s + INDEX_CAP]! / SLOTS_PER_UNIT);
    const ringPtr = cu[s + RING_PTR]!;
    const ru = this.slab.u32[ringPtr >>> CHUNK_OFFSET_BITS]!;
    const rf = this.slab.f64[ringPtr >>> CHUNK_OFFSET_BITS]!;
    const rb = (ringPtr & CHUNK_OFFSET_MASK) + this.headerUnits;
    const start = cu[s + RING_START]!;
    const len = cu[s + RING_LEN]!;
    const ringCap = cu[s + RING_CAP]!;
    let live = 0;
    for (let i = 0, pos = start; i < len; i++) {
      if ((ru[(rb + pos) * 4 + 3]! & LATEST_BIT) !== 0) live++;
      if (++pos === ringCap) pos = 0;
    }
    const units = roundedBlockUnits(Math.max(4, Math.ceil(live / REBUILD_LOAD / SLOTS_PER_UNIT)));
    const indexPtr = this.slab.allocZeroed(units);
    const capacity = units * SLOTS_PER_UNIT;
    const iu = this.slab.u32[indexPtr >>> CHUNK_OFFSET_BITS]!;
    const ib = (indexPtr & CHUNK_OFFSET_MASK) * 4;
    let used = 0;
    for (let i = 0, pos = start; i < len; i++) {
      const unit = rb + pos;
      if ((ru[unit * 4 + 3]! & LATEST_BIT) !== 0) {
        const hash = calleeHash(rf[unit * 2]!);
        const j = this.emptySlotFor(iu, ib, capacity, hash);
        iu[ib + j] = (tagOf(hash) << POSITION_BITS) | pos;
        used++;
      }
      if (++pos === ringCap) pos = 0;
    }
    cu[s + INDEX_PTR] = indexPtr;
    cu[s + INDEX_CAP] = capacity;
    cu[s + INDEX_USED] = used;
  }

  /**
   * Ring entries at logical `[q, len)` moved up by one place (an out-of-order insert shifted them): every slot
   * pointing into that range follows its entry. One linear pass, used when many entries moved.
   */
  shiftRange(slot: number, q: number, len: number): void {
    const cu = this.callers.u32;
    const s = slot * SLOT_U32;
    const indexPtr = cu[s + INDEX_PTR]!;
    const iu = this.slab.u32[indexPtr >>> CHUNK_OFFSET_BITS]!;
    const ib = (indexPtr & CHUNK_OFFSET_MASK) * 4;
    const start = cu[s + RING_START]!;
    const ringCap = cu[s + RING_CAP]!;
    const end = ib + cu[s + INDEX_CAP]!;
    for (let j = ib; j < end; j++) {
      const word = iu[j]!;
      if (word === 0) continue;
      const pos = word & POSITION_MASK;
      let logical = pos - start;
      if (logical < 0) logical += ringCap;
      if (logical >= q && logical < len)
        iu[j] = (word & ~POSITION_MASK) | (pos + 1 === ringCap ? 0 : pos + 1);
    }
  }

  /**
   * The ring was re-laid out with its start at physical 0 (grown or shrunk): live positions become their
   * logical index, stale ones a position that is never live. A linear pass, no hashing, no ring reads.
   */
  remap(slot: number, oldStart: number, oldCap: number): void {
    const cu = this.callers.u32;
    const s = slot * SLOT_U32;
    const indexPtr = cu[s + INDEX_PTR]!;
    const iu = this.slab.u32[indexPtr >>> CHUNK_OFFSET_BITS]!;
    const ib = (indexPtr & CHUNK_OFFSET_MASK) * 4;
    const len = cu[s + RING_LEN]!;
    const end = ib + cu[s + INDEX_CAP]!;
    for (let j = ib; j < end; j++) {
      const word = iu[j]!;
      if (word === 0) continue;
      let logical = (word & POSITION_MASK) - oldStart;
      if (logical < 0) logical += oldCap;
      iu[j] = (word & ~POSITION_MASK) | (logical < len ? logical : NEVER_LIVE);
    }
  }

  free(slot: number): void {
    const cu = this.callers.u32;
    const s = slot * SLOT_U32;
    const indexPtr = cu[s + INDEX_PTR]!;
    if (indexPtr === NO_BLOCK) return;
    this.slab.free(indexPtr, cu[s + INDEX_CAP]! / SLOTS_PER_UNIT);
    cu[s + INDEX_PTR] = NO_BLOCK;
    cu[s + INDEX_CAP] = 0;
    cu[s + INDEX_USED] = 0;
  }

  private emptySlotFor(iu: Uint32Array, ib: number, capacity: number, hash: number): number {
    let j = home(hash, capacity);
    while (iu[ib + j] !== 0) if (++j === capacity) j = 0;
    return j;
  }
}
