/**
 * Restoring a version-4 snapshot: its caller table and slab are byte copies of the engine before block headers
 * took one unit per window and callee-index slots shrank to a u32 (ADR 0002, decision 3 and 4). Each block
 * caller is rewritten in place, in its own block: the new header (tail time and the duration sum's high bits
 * packed into each window's unit), the ring unwrapped to start right after it (its capacity grows by the units
 * the header gave back), and its callee index rebuilt from the ring in the new slot format. Nothing else in
 * the state depends on those layouts, so the upgraded engine continues exactly as the old one would have.
 */
import * as callerRecord from './caller-record.js';
import { CalleeIndex } from './callee-index.js';
import type { CallerTable } from './caller-table.js';
import { CHUNK_OFFSET_BITS, CHUNK_OFFSET_MASK, NO_BLOCK, type Slab } from './slab.js';
import { DISTINCT_BITS, TWO_POW_32 } from './store-context.js';

const {
  BLOCK_BIT,
  CALLER_F64,
  CONTROL,
  INDEX_CAP,
  INDEX_PTR,
  INDEX_USED,
  RING_CAP,
  RING_LEN,
  RING_PTR,
  RING_START,
  SLOT_F64,
  SLOT_U32,
} = callerRecord;

/** Version 4 kept index slots of 8 bytes, two per unit. */
const V4_INDEX_SLOTS_PER_UNIT = 2;

/** Version 4's header: one stats unit per window (count, distinct, sum f64), then the tail times, 4 per unit. */
function v4HeaderUnits(windowCount: number): number {
  return windowCount + Math.ceil(windowCount / 4);
}

export function upgradeV4Store(callers: CallerTable, slab: Slab, windowCount: number): void {
  const cu = callers.u32;
  const cf = callers.f64;
  const oldHeader = v4HeaderUnits(windowCount);
  const index = new CalleeIndex(callers, slab, windowCount);
  for (let slot = 0; slot < callers.capacity; slot++) {
    const s = slot * SLOT_U32;
    if (cf[slot * SLOT_F64 + CALLER_F64] === 0 || (cu[s + CONTROL]! & BLOCK_BIT) === 0) continue;
    const ptr = cu[s + RING_PTR]!;
    const ru = slab.u32[ptr >>> CHUNK_OFFSET_BITS]!;
    const rf = slab.f64[ptr >>> CHUNK_OFFSET_BITS]!;
    const hb = ptr & CHUNK_OFFSET_MASK;
    const start = cu[s + RING_START]!;
    const len = cu[s + RING_LEN]!;
    const oldCap = cu[s + RING_CAP]!;

    const header = new Uint32Array(windowCount * 4);
    for (let k = 0; k < windowCount; k++) {
      const sum = rf[(hb + k) * 2 + 1]!;
      const sumLow = sum >>> 0;
      header[k * 4] = ru[(hb + k) * 4]!;
      header[k * 4 + 1] = ru[(hb + k) * 4 + 1]! | (((sum - sumLow) / TWO_POW_32) << DISTINCT_BITS);
      header[k * 4 + 2] = ru[(hb + windowCount) * 4 + k]!;
      header[k * 4 + 3] = sumLow;
    }
    const entries = new Uint32Array(len * 4);
    for (let i = 0, p = start; i < len; i++) {
      entries.set(ru.subarray((hb + oldHeader + p) * 4, (hb + oldHeader + p + 1) * 4), i * 4);
      if (++p === oldCap) p = 0;
    }
    ru.set(header, hb * 4);
    ru.set(entries, (hb + windowCount) * 4);
    cu[s + RING_START] = 0;
    cu[s + RING_CAP] = oldCap + oldHeader - windowCount;

    const indexPtr = cu[s + INDEX_PTR]!;
    if (indexPtr !== NO_BLOCK) {
      slab.free(indexPtr, cu[s + INDEX_CAP]! / V4_INDEX_SLOTS_PER_UNIT);
      cu[s + INDEX_PTR] = NO_BLOCK;
      cu[s + INDEX_CAP] = 0;
      cu[s + INDEX_USED] = 0;
      index.rebuild(slot);
    }
  }
}
