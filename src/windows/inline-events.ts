/**
 * Inline mode: a caller holding at most `INLINE_CAPACITY` events keeps them inside its 64-byte caller-table
 * record (callee, age `T − t`, duration), sorted oldest first. Most callers make a few calls a day, so most
 * callers never touch the slab, and their stats are recomputed by scanning three entries, which is cheaper
 * than maintaining counters. A fourth event held promotes the record to block mode.
 */
import * as callerRecord from './caller-record.js';
import type { BlockEvents } from './block-events.js';
import { INLINE_CAPACITY, type HeldEvent, type StoreContext } from './store-context.js';

// Module-local copies, so that V8 compiles them into the code (see caller-record.ts).
const {
  CONTROL,
  DURATION_MASK,
  EPISODES_BIT,
  INLINE_AGE_U32,
  INLINE_CALLEE_F64,
  INLINE_COUNT_MASK,
  INLINE_COUNT_SHIFT,
  INLINE_DURATION_U32,
  INLINE_EVENT_F64,
  INLINE_EVENT_U32,
  LATEST_F64,
  SLOT_F64,
  SLOT_U32,
} = callerRecord;

export class InlineEvents {
  private readonly callees = new Float64Array(INLINE_CAPACITY + 1);
  private readonly ages = new Float64Array(INLINE_CAPACITY + 1);
  private readonly durations = new Float64Array(INLINE_CAPACITY + 1);

  constructor(
    private readonly ctx: StoreContext,
    private readonly blocks: BlockEvents,
  ) {}

  /** One accepted event for an inline-mode caller (T = −∞ for a fresh record). */
  insert(slot: number, callee: number, t: number, durationSeconds: number): void {
    const ctx = this.ctx;
    const cf = ctx.callers.f64;
    const latestMs = cf[slot * SLOT_F64 + LATEST_F64]!;
    const longestMs = ctx.longestMs;
    let n = this.load(slot);
    const ages = this.ages;
    if (t > latestMs) {
      cf[slot * SLOT_F64 + LATEST_F64] = t;
      if (n > 0) {
        const delta = t - latestMs;
        let dropped = 0;
        while (dropped < n && ages[dropped]! + delta >= longestMs) dropped++;
        for (let i = dropped; i < n; i++) {
          this.callees[i - dropped] = this.callees[i]!;
          ages[i - dropped] = ages[i]! + delta;
          this.durations[i - dropped] = this.durations[i]!;
        }
        n -= dropped;
        ctx.eventsHeld -= dropped;
      }
    } else if (latestMs - t >= longestMs) {
      return; // older than every window at the caller's T: counts nowhere
    }
    if (n === INLINE_CAPACITY) {
      this.store(slot, n);
      this.blocks.promote(slot);
      this.blocks.insert(slot, callee, t, durationSeconds);
      return;
    }
    const age = cf[slot * SLOT_F64 + LATEST_F64]! - t;
    let q = n;
    while (q > 0 && ages[q - 1]! < age) {
      this.callees[q] = this.callees[q - 1]!;
      ages[q] = ages[q - 1]!;
      this.durations[q] = this.durations[q - 1]!;
      q--;
    }
    this.callees[q] = callee;
    ages[q] = age;
    this.durations[q] = durationSeconds;
    ctx.eventsHeld++;
    this.store(slot, n + 1);
  }

  /** Per-window count, distinct callees and duration sum, by scanning the (at most three) entries. */
  computeStats(slot: number, count: Float64Array, distinct: Float64Array, sum: Float64Array): void {
    const n = this.load(slot);
    const windowsMs = this.ctx.windowsMs;
    for (let k = 0; k < this.ctx.windowCount; k++) {
      const windowMs = windowsMs[k]!;
      let c = 0;
      let d = 0;
      let total = 0;
      for (let i = 0; i < n; i++) {
        if (this.ages[i]! >= windowMs) continue;
        c++;
        total += this.durations[i]!;
        let repeated = false;
        for (let j = i + 1; j < n; j++) if (this.callees[j] === this.callees[i]) repeated = true;
        if (!repeated) d++;
      }
      count[k] = c;
      distinct[k] = d;
      sum[k] = total;
    }
  }

  /** Event time of the oldest event in window k, or NaN when the window is empty. */
  firstEventAt(slot: number, k: number): number {
    const n = this.load(slot);
    const windowMs = this.ctx.windowsMs[k]!;
    for (let i = 0; i < n; i++) {
      if (this.ages[i]! < windowMs)
        return this.ctx.callers.f64[slot * SLOT_F64 + LATEST_F64]! - this.ages[i]!;
    }
    return NaN;
  }

  /** The caller's held events, oldest first (ties in arrival order), into `out`. Case evidence only. */
  heldEvents(slot: number, out: HeldEvent[]): void {
    const n = this.load(slot);
    const latestMs = this.ctx.callers.f64[slot * SLOT_F64 + LATEST_F64]!;
    for (let i = 0; i < n; i++)
      out.push({ callee: this.callees[i]!, t: latestMs - this.ages[i]!, duration: this.durations[i]! });
  }

  /** Event time of the n-th newest held event (1 = newest), or NaN when fewer are held. */
  nthNewestAt(slot: number, n: number): number {
    const held = this.load(slot);
    if (n < 1 || n > held) return NaN;
    return this.ctx.callers.f64[slot * SLOT_F64 + LATEST_F64]! - this.ages[held - n]!;
  }

  /** Reads the record into the scratch arrays; returns how many events it holds. */
  private load(slot: number): number {
    const cu = this.ctx.callers.u32;
    const cf = this.ctx.callers.f64;
    const s = slot * SLOT_U32;
    const control = cu[s + CONTROL]!;
    const n = (control & INLINE_COUNT_MASK) >>> INLINE_COUNT_SHIFT;
    for (let i = 0; i < n; i++) {
      this.callees[i] = cf[slot * SLOT_F64 + INLINE_CALLEE_F64 + i * INLINE_EVENT_F64]!;
      this.ages[i] = cu[s + INLINE_AGE_U32 + i * INLINE_EVENT_U32]!;
      this.durations[i] =
        i === 0 ? control & DURATION_MASK : cu[s + INLINE_DURATION_U32 + i * INLINE_EVENT_U32]!;
    }
    return n;
  }

  private store(slot: number, n: number): void {
    const cu = this.ctx.callers.u32;
    const cf = this.ctx.callers.f64;
    const s = slot * SLOT_U32;
    const episodes = cu[s + CONTROL]! & EPISODES_BIT;
    for (let i = 0; i < INLINE_CAPACITY; i++) {
      const held = i < n;
      cf[slot * SLOT_F64 + INLINE_CALLEE_F64 + i * INLINE_EVENT_F64] = held ? this.callees[i]! : 0;
      cu[s + INLINE_AGE_U32 + i * INLINE_EVENT_U32] = held ? this.ages[i]! : 0;
      cu[s + INLINE_DURATION_U32 + i * INLINE_EVENT_U32] = held ? this.durations[i]! : 0;
    }
    cu[s + CONTROL] = episodes | (n << INLINE_COUNT_SHIFT) | (n > 0 ? this.durations[0]! : 0);
  }
}
