/**
 * Read-only views of a block-mode caller's ring for case evidence (case-tracker.ts): its held calls, the time
 * of its n-th newest call, and its most recent distinct callees. Nothing here writes, and only the n-th-newest
 * read runs per evaluated event (one ring read); the others run when a case event is emitted.
 */
import * as callerRecord from './caller-record.js';
import { CHUNK_OFFSET_BITS, CHUNK_OFFSET_MASK } from './slab.js';
import type { HeldEvent, StoreContext } from './store-context.js';

// Module-local copies, so that V8 compiles them into the code (see caller-record.ts).
const { BASE_F64, DURATION_MASK, RING_CAP, RING_LEN, RING_PTR, RING_START, SLOT_F64, SLOT_U32 } =
  callerRecord;

export class BlockReads {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * The caller's held events, oldest first (ties in arrival order), into `out`. Allocates: for case evidence
   * only, never on the per-event path.
   */
  heldEvents(slot: number, out: HeldEvent[]): void {
    const cu = this.ctx.callers.u32;
    const s = slot * SLOT_U32;
    const ptr = cu[s + RING_PTR]!;
    const ru = this.ctx.slab.u32[ptr >>> CHUNK_OFFSET_BITS]!;
    const rf = this.ctx.slab.f64[ptr >>> CHUNK_OFFSET_BITS]!;
    const rb = (ptr & CHUNK_OFFSET_MASK) + this.ctx.blockHeaderUnits;
    const base = this.ctx.callers.f64[slot * SLOT_F64 + BASE_F64]!;
    const cap = cu[s + RING_CAP]!;
    for (let i = 0, p = cu[s + RING_START]!; i < cu[s + RING_LEN]!; i++) {
      out.push({
        callee: rf[(rb + p) * 2]!,
        t: base + ru[(rb + p) * 4 + 2]!,
        duration: ru[(rb + p) * 4 + 3]! & DURATION_MASK,
      });
      if (++p === cap) p = 0;
    }
  }

  /** Up to `max` distinct callees of calls after `sinceMs`, newest first: a backward ring walk that stops early. */
  recentCallees(slot: number, sinceMs: number, max: number): number[] {
    const cu = this.ctx.callers.u32;
    const s = slot * SLOT_U32;
    const ptr = cu[s + RING_PTR]!;
    const ru = this.ctx.slab.u32[ptr >>> CHUNK_OFFSET_BITS]!;
    const rf = this.ctx.slab.f64[ptr >>> CHUNK_OFFSET_BITS]!;
    const rb = (ptr & CHUNK_OFFSET_MASK) + this.ctx.blockHeaderUnits;
    const since = sinceMs - this.ctx.callers.f64[slot * SLOT_F64 + BASE_F64]!;
    const cap = cu[s + RING_CAP]!;
    const callees: number[] = [];
    for (let i = cu[s + RING_LEN]! - 1; i >= 0 && callees.length < max; i--) {
      let p = cu[s + RING_START]! + i;
      if (p >= cap) p -= cap;
      if (ru[(rb + p) * 4 + 2]! <= since) break;
      const callee = rf[(rb + p) * 2]!;
      if (!callees.includes(callee)) callees.push(callee);
    }
    return callees;
  }

  /** Event time of the n-th newest held event (1 = newest), or NaN when fewer are held. One ring read. */
  nthNewestAt(slot: number, n: number): number {
    const cu = this.ctx.callers.u32;
    const s = slot * SLOT_U32;
    const len = cu[s + RING_LEN]!;
    if (n < 1 || n > len) return NaN;
    const ptr = cu[s + RING_PTR]!;
    const ru = this.ctx.slab.u32[ptr >>> CHUNK_OFFSET_BITS]!;
    const rb = (ptr & CHUNK_OFFSET_MASK) + this.ctx.blockHeaderUnits;
    let p = cu[s + RING_START]! + len - n;
    if (p >= cu[s + RING_CAP]!) p -= cu[s + RING_CAP]!;
    return this.ctx.callers.f64[slot * SLOT_F64 + BASE_F64]! + ru[(rb + p) * 4 + 2]!;
  }
}
