/**
 * Moving a caller between inline mode (events in its caller-table record) and block mode (a ring in the
 * slab): promotion when a fourth event is held, demotion when expiry leaves three or fewer.
 */
import * as callerRecord from './caller-record.js';
import { LATEST_BIT } from './callee-index.js';
import { CHUNK_OFFSET_BITS, CHUNK_OFFSET_MASK, NO_BLOCK, roundedBlockUnits } from './slab.js';
import { INLINE_CAPACITY, type BlockRelease, type StoreContext } from './store-context.js';

// Module-local copies, so that V8 compiles them into the code (see caller-record.ts).
const {
  BASE_F64,
  BLOCK_BIT,
  CONTROL,
  DURATION_MASK,
  EPISODES_BIT,
  INDEX_CAP,
  INDEX_PTR,
  INDEX_USED,
  INLINE_AGE_U32,
  INLINE_CALLEE_F64,
  INLINE_COUNT_MASK,
  INLINE_COUNT_SHIFT,
  INLINE_DURATION_U32,
  INLINE_EVENT_F64,
  INLINE_EVENT_U32,
  LATEST_F64,
  NEXT_EXPIRY_F64,
  RING_CAP,
  RING_LEN,
  RING_PTR,
  RING_START,
  SLOT_F64,
  SLOT_U32,
} = callerRecord;

/** Ring capacity given to a promoted caller (with three windows, the header and ring fill an 8-unit block). */
const PROMOTED_CAPACITY = 5;

export class ModeTransitions {
  private readonly callees = new Float64Array(INLINE_CAPACITY);
  private readonly ages = new Float64Array(INLINE_CAPACITY);
  private readonly durations = new Float64Array(INLINE_CAPACITY);

  constructor(
    private readonly ctx: StoreContext,
    private readonly blocks: BlockRelease,
  ) {}

  /** Inline record holding `INLINE_CAPACITY` events → block (the caller's next event will not fit inline). */
  promote(slot: number): void {
    const ctx = this.ctx;
    const cu = ctx.callers.u32;
    const cf = ctx.callers.f64;
    const s = slot * SLOT_U32;
    const control = cu[s + CONTROL]!;
    const n = (control & INLINE_COUNT_MASK) >>> INLINE_COUNT_SHIFT;
    const { callees, ages, durations } = this;
    for (let i = 0; i < INLINE_CAPACITY; i++) {
      callees[i] = cf[slot * SLOT_F64 + INLINE_CALLEE_F64 + i * INLINE_EVENT_F64]!;
      ages[i] = cu[s + INLINE_AGE_U32 + i * INLINE_EVENT_U32]!;
      durations[i] = i === 0 ? control & DURATION_MASK : cu[s + INLINE_DURATION_U32 + i * INLINE_EVENT_U32]!;
    }
    const units = roundedBlockUnits(ctx.blockHeaderUnits + PROMOTED_CAPACITY);
    const ptr = ctx.slab.alloc(units);
    const ru = ctx.slab.u32[ptr >>> CHUNK_OFFSET_BITS]!;
    const rf = ctx.slab.f64[ptr >>> CHUNK_OFFSET_BITS]!;
    const hb = ptr & CHUNK_OFFSET_MASK;
    const rb = hb + ctx.blockHeaderUnits;
    ru.fill(0, hb * 4, rb * 4);
    for (let i = 0; i < n; i++) {
      const callee = callees[i]!;
      const age = ages[i]!;
      let latest = true;
      for (let j = i + 1; j < n; j++) if (callees[j] === callee) latest = false;
      rf[(rb + i) * 2] = callee;
      ru[(rb + i) * 4 + 2] = ctx.longestMs - age;
      ru[(rb + i) * 4 + 3] = latest ? durations[i]! | LATEST_BIT : durations[i]!;
      // Three durations of at most 86,400 s sum below 2^32: the sum's high bits (above distinct) stay 0.
      for (let k = 0; k < ctx.windowCount; k++) {
        if (age >= ctx.windowsMs[k]!) continue;
        const h4 = (hb + k) * 4;
        if (ru[h4] === 0) ru[h4 + 2] = ctx.longestMs - age; // oldest first: this is the tail
        ru[h4]!++;
        if (latest) ru[h4 + 1]!++;
        ru[h4 + 3] = ru[h4 + 3]! + durations[i]!;
      }
    }
    cf[slot * SLOT_F64 + BASE_F64] = cf[slot * SLOT_F64 + LATEST_F64]! - ctx.longestMs;
    cu[s + RING_PTR] = ptr;
    cu[s + CONTROL] = BLOCK_BIT | (control & EPISODES_BIT);
    cu[s + RING_START] = 0;
    cu[s + RING_LEN] = n;
    cu[s + RING_CAP] = units - ctx.blockHeaderUnits;
    cu[s + INDEX_PTR] = NO_BLOCK;
    cu[s + INDEX_CAP] = 0;
    cu[s + INDEX_USED] = 0;
    cf[slot * SLOT_F64 + NEXT_EXPIRY_F64] = -Infinity; // unknown: the next in-order event computes it
  }

  /** Block holding at most `INLINE_CAPACITY` events → inline record. */
  demote(slot: number): void {
    const ctx = this.ctx;
    const cu = ctx.callers.u32;
    const cf = ctx.callers.f64;
    const s = slot * SLOT_U32;
    const ptr = cu[s + RING_PTR]!;
    const ru = ctx.slab.u32[ptr >>> CHUNK_OFFSET_BITS]!;
    const rf = ctx.slab.f64[ptr >>> CHUNK_OFFSET_BITS]!;
    const rb = (ptr & CHUNK_OFFSET_MASK) + ctx.blockHeaderUnits;
    const len = cu[s + RING_LEN]!;
    const cap = cu[s + RING_CAP]!;
    const age = cf[slot * SLOT_F64 + LATEST_F64]! - cf[slot * SLOT_F64 + BASE_F64]!;
    const episodes = cu[s + CONTROL]! & EPISODES_BIT;
    const { callees, ages, durations } = this;
    callees.fill(0);
    ages.fill(0);
    durations.fill(0);
    for (let i = 0, p = cu[s + RING_START]!; i < len; i++) {
      callees[i] = rf[(rb + p) * 2]!;
      ages[i] = age - ru[(rb + p) * 4 + 2]!;
      durations[i] = ru[(rb + p) * 4 + 3]! & DURATION_MASK;
      if (++p === cap) p = 0;
    }
    this.blocks.free(slot);
    for (let i = 0; i < INLINE_CAPACITY; i++) {
      cf[slot * SLOT_F64 + INLINE_CALLEE_F64 + i * INLINE_EVENT_F64] = callees[i]!;
      cu[s + INLINE_AGE_U32 + i * INLINE_EVENT_U32] = ages[i]!;
      cu[s + INLINE_DURATION_U32 + i * INLINE_EVENT_U32] = durations[i]!;
    }
    cu[s + CONTROL] = episodes | (len << INLINE_COUNT_SHIFT) | durations[0]!;
  }
}
