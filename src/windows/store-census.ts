/**
 * Where the window store's bytes go: one read-only walk over the caller table, each block-mode caller's ring
 * and callee index, and the slab's free lists. O(callers): for benchmarks and diagnostics, never per event.
 */
import * as callerRecord from './caller-record.js';
import { INDEX_SLOT_BYTES } from './callee-index.js';
import { CHUNK_OFFSET_BITS, classUnits, CHUNK_OFFSET_MASK, NO_BLOCK, UNIT_BYTES } from './slab.js';
import type { StoreContext } from './store-context.js';

const {
  BLOCK_BIT,
  CALLER_F64,
  CONTROL,
  INDEX_CAP,
  INDEX_PTR,
  INDEX_USED,
  INLINE_COUNT_MASK,
  INLINE_COUNT_SHIFT,
  RING_CAP,
  RING_LEN,
  SLOT_BYTES,
  SLOT_F64,
  SLOT_U32,
} = callerRecord;

/** Bytes by purpose; every byte the store has allocated is in exactly one of the `…Bytes` fields. */
export interface StoreCensus {
  callerSlots: number;
  callersHeld: number;
  inlineCallers: number;
  blockCallers: number;
  indexedCallers: number;
  inlineEvents: number;
  blockEvents: number;
  /** Caller-table slots holding a caller. */
  callerRecordBytes: number;
  /** Caller-table slots left empty (the table's load factor headroom). */
  callerEmptyBytes: number;
  /** Per-window stats and tail-time units at the start of each ring block. */
  blockHeaderBytes: number;
  /** Ring units holding a held event. */
  ringEntryBytes: number;
  /** Ring units not holding an event (growth slack, and what expiry freed). */
  ringSlackBytes: number;
  /** Callee-index slots in use (a live or stale fingerprint). */
  indexUsedBytes: number;
  /** Callee-index slots empty (the index's load factor headroom). */
  indexEmptyBytes: number;
  /** Slab blocks on the free lists. */
  slabFreeListBytes: number;
  /** Slab chunk space never handed out (the current chunk's tail). */
  slabUntouchedBytes: number;
  /** Total allocated: caller table plus slab chunks. */
  totalBytes: number;
}

export function censusOf(store: StoreContext): StoreCensus {
  const { callers, slab } = store;
  const cu = callers.u32;
  const cf = callers.f64;
  const census: StoreCensus = {
    callerSlots: callers.capacity,
    callersHeld: callers.size,
    inlineCallers: 0,
    blockCallers: 0,
    indexedCallers: 0,
    inlineEvents: 0,
    blockEvents: 0,
    callerRecordBytes: callers.size * SLOT_BYTES,
    callerEmptyBytes: (callers.capacity - callers.size) * SLOT_BYTES,
    blockHeaderBytes: 0,
    ringEntryBytes: 0,
    ringSlackBytes: 0,
    indexUsedBytes: 0,
    indexEmptyBytes: 0,
    slabFreeListBytes: 0,
    slabUntouchedBytes: 0,
    totalBytes: callers.bytes + slab.allocatedBytes,
  };
  for (let slot = 0; slot < callers.capacity; slot++) {
    if (cf[slot * SLOT_F64 + CALLER_F64] === 0) continue;
    const s = slot * SLOT_U32;
    const control = cu[s + CONTROL]!;
    if ((control & BLOCK_BIT) === 0) {
      census.inlineCallers++;
      census.inlineEvents += (control & INLINE_COUNT_MASK) >>> INLINE_COUNT_SHIFT;
      continue;
    }
    census.blockCallers++;
    const len = cu[s + RING_LEN]!;
    const cap = cu[s + RING_CAP]!;
    census.blockEvents += len;
    census.blockHeaderBytes += store.blockHeaderUnits * UNIT_BYTES;
    census.ringEntryBytes += len * UNIT_BYTES;
    census.ringSlackBytes += (cap - len) * UNIT_BYTES;
    if (cu[s + INDEX_PTR] !== NO_BLOCK) {
      census.indexedCallers++;
      census.indexUsedBytes += cu[s + INDEX_USED]! * INDEX_SLOT_BYTES;
      census.indexEmptyBytes += (cu[s + INDEX_CAP]! - cu[s + INDEX_USED]!) * INDEX_SLOT_BYTES;
    }
  }
  const state = slab.exportState();
  for (let c = 0; c < state.freeHeads.length; c++) {
    const units = classUnits(c);
    for (let ptr = state.freeHeads[c]!; ptr !== NO_BLOCK;) {
      census.slabFreeListBytes += units * UNIT_BYTES;
      ptr = slab.u32[ptr >>> CHUNK_OFFSET_BITS]![(ptr & CHUNK_OFFSET_MASK) * 4]!;
    }
  }
  if (state.bumpChunk >= 0) {
    census.slabUntouchedBytes = state.chunks[state.bumpChunk]!.byteLength - state.bumpOffset * UNIT_BYTES;
  }
  return census;
}
