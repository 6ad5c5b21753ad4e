/**
 * Block mode: a caller holding more than `INLINE_CAPACITY` events keeps them in a slab block:
 *
 *   [window 0 unit] … [window n−1 unit] [ring entry 0] … [ring entry cap−1]  (16-byte units)
 *
 * A window unit is four u32: the window's event count; its distinct-callee count in the low 22 bits with the
 * high bits of its duration sum above them; its tail time (the oldest event's `t − base`, so expiry reads a
 * ring entry only when it really leaves); and the low 32 bits of the duration sum. Counts stay below 2^22 (a
 * block is at most 2^22 units) and a sum below 2^22 · 86,400 < 2^39, so both fit, and a header costs one unit
 * per window. A ring entry is `callee f64, t − base u32, duration u32` with bit 31 of the duration word
 * (`LATEST_BIT`) set on the latest event of each callee. The ring is kept sorted by event time (ties in
 * arrival order), so every window is a suffix of it: its tail is `len − count`, expiry walks tails forward,
 * and the longest window's tail is the ring start.
 *
 * Exact distinct counts: a callee is in window k iff its latest event is (it is the newest of its events), so
 * `distinct_k` = flagged entries in the suffix. An insert moves the flag (found through the callee index, or
 * a scan while the ring is short); an entry leaving window k with the flag set decrements `distinct_k`. No
 * lookups happen on expiry, and tails advance sequentially through memory.
 */
import * as callerRecord from './caller-record.js';
import { CalleeIndex, calleeHash, LATEST_BIT } from './callee-index.js';
import { CHUNK_OFFSET_BITS, CHUNK_OFFSET_MASK, NO_BLOCK, roundedBlockUnits } from './slab.js';
import { ModeTransitions } from './mode-transitions.js';
import * as storeContext from './store-context.js';
import type { BlockRelease, StoreContext } from './store-context.js';

// Module-local copies, so that V8 compiles them into the code (see caller-record.ts).
const {
  BASE_F64,
  DURATION_MASK,
  INDEX_CAP,
  INDEX_PTR,
  LATEST_F64,
  NEXT_EXPIRY_F64,
  RING_CAP,
  RING_LEN,
  RING_PTR,
  RING_START,
  SLOT_F64,
  SLOT_U32,
} = callerRecord;
const { DISTINCT_BITS, DISTINCT_MASK, INLINE_CAPACITY, TWO_POW_32 } = storeContext;

/** Build the callee index when a ring holds more than this; drop it below `INDEX_DROP_LEN`. */
const INDEX_BUILD_LEN = 32;
const INDEX_DROP_LEN = 16;
const MAX_TIME_OFFSET = 0xffffffff;
/** Rings shrink (to twice their length) once a quarter full, but not below this capacity. */
const MIN_SHRINK_CAP = 16;

/** Copies `units` 16-byte units: a native memmove within one chunk, else a plain loop (subarrays allocate). */
function copyUnits(
  from: Uint32Array,
  fromUnit: number,
  to: Uint32Array,
  toUnit: number,
  units: number,
): void {
  if (from === to) {
    to.copyWithin(toUnit * 4, fromUnit * 4, (fromUnit + units) * 4);
    return;
  }
  if (units > 64) {
    to.set(from.subarray(fromUnit * 4, (fromUnit + units) * 4), toUnit * 4);
    return;
  }
  for (let i = fromUnit * 4, j = toUnit * 4, end = (fromUnit + units) * 4; i < end; i++, j++)
    to[j] = from[i]!;
}

export class BlockEvents implements BlockRelease {
  private readonly index: CalleeIndex;
  private readonly headerUnits: number;
  private readonly transitions: ModeTransitions;

  constructor(private readonly ctx: StoreContext) {
    this.headerUnits = ctx.blockHeaderUnits;
    this.index = new CalleeIndex(ctx.callers, ctx.slab, ctx.blockHeaderUnits);
    this.transitions = new ModeTransitions(ctx, this);
  }

  /** One accepted event for a block-mode caller. May turn the caller back to inline mode. */
  insert(slot: number, callee: number, t: number, durationSeconds: number): void {
    const cu = this.ctx.callers.u32;
    const cf = this.ctx.callers.f64;
    const s = slot * SLOT_U32;
    const latestMs = cf[slot * SLOT_F64 + LATEST_F64]!;
    if (t > latestMs) {
      cf[slot * SLOT_F64 + LATEST_F64] = t;
      this.expire(slot, t);
      if (t - cf[slot * SLOT_F64 + BASE_F64]! > MAX_TIME_OFFSET) this.rebase(slot, t);
      const len = cu[s + RING_LEN]!;
      if (len < INDEX_DROP_LEN && cu[s + INDEX_PTR] !== NO_BLOCK) this.index.free(slot);
      if (len > INLINE_CAPACITY && len * 4 <= cu[s + RING_CAP]! && cu[s + RING_CAP]! >= MIN_SHRINK_CAP) {
        this.relayout(slot, len * 2);
      }
    } else if (latestMs - t >= this.ctx.longestMs) {
      return; // older than every window at the caller's T: counts nowhere
    }
    this.insertHeld(slot, callee, t, durationSeconds, cf[slot * SLOT_F64 + LATEST_F64]!);
    if (cu[s + RING_LEN]! <= INLINE_CAPACITY) this.transitions.demote(slot);
  }

  /**
   * Moves every window's tail past events at or before `T − W`; the longest window's tail frees ring space.
   * The record keeps the earliest time any tail can expire, so most events read no tail at all.
   */
  private expire(slot: number, latestMs: number): void {
    const ctx = this.ctx;
    const cf = ctx.callers.f64;
    if (latestMs < cf[slot * SLOT_F64 + NEXT_EXPIRY_F64]!) return;
    const cu = ctx.callers.u32;
    const s = slot * SLOT_U32;
    const ptr = cu[s + RING_PTR]!;
    const ru = ctx.slab.u32[ptr >>> CHUNK_OFFSET_BITS]!;
    const hb = ptr & CHUNK_OFFSET_MASK;
    const rb = hb + this.headerUnits;
    const start = cu[s + RING_START]!;
    const len = cu[s + RING_LEN]!;
    const cap = cu[s + RING_CAP]!;
    const base = cf[slot * SLOT_F64 + BASE_F64]!;
    let nextExpiry = Infinity;
    for (let k = 0; k < ctx.windowCount; k++) {
      const h4 = (hb + k) * 4;
      let count = ru[h4]!;
      if (count === 0) continue;
      const windowMs = ctx.windowsMs[k]!;
      const limit = latestMs - windowMs - base;
      // The header holds the tail's time: a window whose tail stays costs no ring read.
      let offset = ru[h4 + 2]!;
      if (offset <= limit) {
        let pos = start + len - count;
        if (pos >= cap) pos -= cap;
        const packed = ru[h4 + 1]!;
        let distinct = packed & DISTINCT_MASK;
        let sum = (packed >>> DISTINCT_BITS) * TWO_POW_32 + ru[h4 + 3]!;
        do {
          const word = ru[(rb + pos) * 4 + 3]!;
          if ((word & LATEST_BIT) !== 0) distinct--;
          sum -= word & DURATION_MASK;
          count--;
          if (++pos === cap) pos = 0;
          offset = ru[(rb + pos) * 4 + 2]!;
        } while (count > 0 && offset <= limit);
        const sumLow = sum >>> 0;
        ru[h4] = count;
        ru[h4 + 1] = distinct | (((sum - sumLow) / TWO_POW_32) << DISTINCT_BITS);
        ru[h4 + 2] = offset;
        ru[h4 + 3] = sumLow;
      }
      if (count > 0 && base + offset + windowMs < nextExpiry) nextExpiry = base + offset + windowMs;
    }
    cf[slot * SLOT_F64 + NEXT_EXPIRY_F64] = nextExpiry;
    // Only the longest window (processed last) decides what the ring keeps.
    const longestCount = ru[(hb + ctx.windowCount - 1) * 4]!;
    if (longestCount < len) {
      let newStart = start + (len - longestCount);
      if (newStart >= cap) newStart -= cap;
      cu[s + RING_START] = newStart;
      cu[s + RING_LEN] = longestCount;
      ctx.eventsHeld -= len - longestCount;
    }
  }

  private insertHeld(
    slot: number,
    callee: number,
    t: number,
    durationSeconds: number,
    latestMs: number,
  ): void {
    const ctx = this.ctx;
    const cu = ctx.callers.u32;
    const s = slot * SLOT_U32;
    if (cu[s + RING_LEN] === cu[s + RING_CAP]) this.relayout(slot, cu[s + RING_CAP]! + 1);
    const ptr = cu[s + RING_PTR]!;
    const ru = ctx.slab.u32[ptr >>> CHUNK_OFFSET_BITS]!;
    const rf = ctx.slab.f64[ptr >>> CHUNK_OFFSET_BITS]!;
    const hb = ptr & CHUNK_OFFSET_MASK;
    const rb = hb + this.headerUnits;
    const start = cu[s + RING_START]!;
    const len = cu[s + RING_LEN]!;
    const cap = cu[s + RING_CAP]!;
    const offset = t - ctx.callers.f64[slot * SLOT_F64 + BASE_F64]!;

    // Insert after every event at or before t (in-order input stops at the first comparison).
    let q = len;
    while (q > 0) {
      let p = start + q - 1;
      if (p >= cap) p -= cap;
      if (ru[(rb + p) * 4 + 2]! <= offset) break;
      q--;
    }

    const indexed = cu[s + INDEX_PTR] !== NO_BLOCK;
    const hash = indexed ? calleeHash(callee) : 0;
    let latest = -1;
    if (indexed) {
      const p = this.index.find(slot, callee, hash);
      if (p >= 0) latest = p >= start ? p - start : p - start + cap;
    } else {
      for (let i = len - 1, p = start + len - 1; i >= 0; i--, p--) {
        if (p >= cap) p -= cap;
        else if (p < 0) p += cap;
        if (rf[(rb + p) * 2] === callee) {
          latest = i;
          break;
        }
      }
    }

    if (q < len) this.shiftUp(slot, q, indexed);
    let qPos = start + q;
    if (qPos >= cap) qPos -= cap;
    const becomesLatest = latest < q;

    const cf = ctx.callers.f64;
    for (let k = 0; k < ctx.windowCount; k++) {
      if (latestMs - t >= ctx.windowsMs[k]!) continue;
      // The new event may be this window's oldest: the next-expiry hint must stay a lower bound.
      if (t + ctx.windowsMs[k]! < cf[slot * SLOT_F64 + NEXT_EXPIRY_F64]!)
        cf[slot * SLOT_F64 + NEXT_EXPIRY_F64] = t + ctx.windowsMs[k]!;
      const h4 = (hb + k) * 4;
      const count = ru[h4]!;
      if (q === len - count) ru[h4 + 2] = offset; // the window's new oldest event
      ru[h4] = count + 1;
      const packed = ru[h4 + 1]!;
      const sum = (packed >>> DISTINCT_BITS) * TWO_POW_32 + ru[h4 + 3]! + durationSeconds;
      const sumLow = sum >>> 0;
      const distinct =
        becomesLatest && latest < len - count ? (packed & DISTINCT_MASK) + 1 : packed & DISTINCT_MASK;
      ru[h4 + 1] = distinct | (((sum - sumLow) / TWO_POW_32) << DISTINCT_BITS);
      ru[h4 + 3] = sumLow;
    }
    if (latest >= 0 && becomesLatest) {
      let p = start + latest;
      if (p >= cap) p -= cap;
      ru[(rb + p) * 4 + 3] = ru[(rb + p) * 4 + 3]! & ~LATEST_BIT;
      if (indexed) this.index.moveHit(slot, qPos);
    }
    rf[(rb + qPos) * 2] = callee;
    ru[(rb + qPos) * 4 + 2] = offset;
    ru[(rb + qPos) * 4 + 3] = becomesLatest ? durationSeconds | LATEST_BIT : durationSeconds;
    cu[s + RING_LEN] = len + 1;
    ctx.eventsHeld++;
    if (indexed) {
      if (latest < 0) this.index.insertMiss(slot, hash, qPos);
    } else if (len + 1 > INDEX_BUILD_LEN) {
      this.index.rebuild(slot);
    }
  }

  /**
   * Moves ring entries `[q, len)` one place up (an out-of-order insert), keeping the index pointing at them:
   * a probe per moved latest entry when few moved, one pass over the index when many did.
   */
  private shiftUp(slot: number, q: number, indexed: boolean): void {
    const cu = this.ctx.callers.u32;
    const s = slot * SLOT_U32;
    const ptr = cu[s + RING_PTR]!;
    const ru = this.ctx.slab.u32[ptr >>> CHUNK_OFFSET_BITS]!;
    const rf = this.ctx.slab.f64[ptr >>> CHUNK_OFFSET_BITS]!;
    const rb = (ptr & CHUNK_OFFSET_MASK) + this.headerUnits;
    const start = cu[s + RING_START]!;
    const cap = cu[s + RING_CAP]!;
    const len = cu[s + RING_LEN]!;
    const probeEach = indexed && (len - q) * 8 < cu[s + INDEX_CAP]!;
    let to = start + len;
    if (to >= cap) to -= cap;
    for (let i = len - 1; i >= q; i--) {
      const from = to === 0 ? cap - 1 : to - 1;
      ru.copyWithin((rb + to) * 4, (rb + from) * 4, (rb + from) * 4 + 4);
      if (probeEach && (ru[(rb + to) * 4 + 3]! & LATEST_BIT) !== 0) {
        this.index.moveEntry(slot, calleeHash(rf[(rb + to) * 2]!), from, to);
      }
      to = from;
    }
    if (indexed && !probeEach) this.index.shiftRange(slot, q, len);
  }

  /** Re-bases ring times so offsets stay below 2^32 (at most once per ~49 days of a caller's event time). */
  private rebase(slot: number, latestMs: number): void {
    const cu = this.ctx.callers.u32;
    const s = slot * SLOT_U32;
    const ptr = cu[s + RING_PTR]!;
    const ru = this.ctx.slab.u32[ptr >>> CHUNK_OFFSET_BITS]!;
    const rb = (ptr & CHUNK_OFFSET_MASK) + this.headerUnits;
    const newBase = latestMs - this.ctx.longestMs;
    const shift = newBase - this.ctx.callers.f64[slot * SLOT_F64 + BASE_F64]!;
    const cap = cu[s + RING_CAP]!;
    for (let i = 0, p = cu[s + RING_START]!; i < cu[s + RING_LEN]!; i++) {
      ru[(rb + p) * 4 + 2] = ru[(rb + p) * 4 + 2]! - shift;
      if (++p === cap) p = 0;
    }
    const hb = ptr & CHUNK_OFFSET_MASK;
    for (let k = 0; k < this.ctx.windowCount; k++) {
      if (ru[(hb + k) * 4] !== 0) ru[(hb + k) * 4 + 2] = ru[(hb + k) * 4 + 2]! - shift;
    }
    this.ctx.callers.f64[slot * SLOT_F64 + BASE_F64] = newBase;
  }

  /** Copies the block into one with room for `minCap` entries, ring unwrapped to start at 0. */
  private relayout(slot: number, minCap: number): void {
    const ctx = this.ctx;
    const cu = ctx.callers.u32;
    const s = slot * SLOT_U32;
    const oldPtr = cu[s + RING_PTR]!;
    const oldU = ctx.slab.u32[oldPtr >>> CHUNK_OFFSET_BITS]!;
    const oldHb = oldPtr & CHUNK_OFFSET_MASK;
    const start = cu[s + RING_START]!;
    const len = cu[s + RING_LEN]!;
    const cap = cu[s + RING_CAP]!;
    const units = roundedBlockUnits(this.headerUnits + minCap);
    const ptr = ctx.slab.alloc(units);
    const u = ctx.slab.u32[ptr >>> CHUNK_OFFSET_BITS]!;
    const hb = ptr & CHUNK_OFFSET_MASK;
    const firstRun = Math.min(len, cap - start);
    copyUnits(oldU, oldHb, u, hb, this.headerUnits);
    copyUnits(oldU, oldHb + this.headerUnits + start, u, hb + this.headerUnits, firstRun);
    copyUnits(oldU, oldHb + this.headerUnits, u, hb + this.headerUnits + firstRun, len - firstRun);
    ctx.slab.free(oldPtr, this.headerUnits + cap);
    cu[s + RING_PTR] = ptr;
    cu[s + RING_START] = 0;
    cu[s + RING_CAP] = units - this.headerUnits;
    if (cu[s + INDEX_PTR] !== NO_BLOCK) this.index.remap(slot, start, cap);
  }

  /** Inline record holding `INLINE_CAPACITY` events → block (the caller's next event will not fit inline). */
  promote(slot: number): void {
    this.transitions.promote(slot);
  }

  /** Frees the caller's blocks (reset or reclaim); the record's block fields are left for the caller to clear. */
  free(slot: number): void {
    const cu = this.ctx.callers.u32;
    const s = slot * SLOT_U32;
    this.index.free(slot);
    this.ctx.slab.free(cu[s + RING_PTR]!, this.headerUnits + cu[s + RING_CAP]!);
    cu[s + RING_PTR] = NO_BLOCK;
  }

  /** Copies the caller's per-window count, distinct and duration sum into the scratch arrays. */
  loadStats(slot: number, count: Float64Array, distinct: Float64Array, sum: Float64Array): void {
    const ptr = this.ctx.callers.u32[slot * SLOT_U32 + RING_PTR]!;
    const ru = this.ctx.slab.u32[ptr >>> CHUNK_OFFSET_BITS]!;
    const hb = ptr & CHUNK_OFFSET_MASK;
    for (let k = 0; k < this.ctx.windowCount; k++) {
      const h4 = (hb + k) * 4;
      count[k] = ru[h4]!;
      distinct[k] = ru[h4 + 1]! & DISTINCT_MASK;
      sum[k] = (ru[h4 + 1]! >>> DISTINCT_BITS) * TWO_POW_32 + ru[h4 + 3]!;
    }
  }

  /** Event time of the oldest event in window k, or NaN when the window is empty. */
  firstEventAt(slot: number, k: number): number {
    const cu = this.ctx.callers.u32;
    const s = slot * SLOT_U32;
    const ptr = cu[s + RING_PTR]!;
    const ru = this.ctx.slab.u32[ptr >>> CHUNK_OFFSET_BITS]!;
    const hb = ptr & CHUNK_OFFSET_MASK;
    if (ru[(hb + k) * 4] === 0) return NaN;
    return this.ctx.callers.f64[slot * SLOT_F64 + BASE_F64]! + ru[(hb + k) * 4 + 2]!;
  }
}
