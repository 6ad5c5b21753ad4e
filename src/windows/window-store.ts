/**
 * Per-caller sliding windows: the caller table, the slab, and the two representations of a caller's events
 * (inline in its record, or a ring block). Knows nothing of rules, watermarks or alerts.
 */
import { BlockEvents } from './block-events.js';
import { BlockReads } from './block-reads.js';
import { CallerTable } from './caller-table.js';
import * as callerRecord from './caller-record.js';
import type { ResolvedEngineOptions } from './engine-options.js';
import { InlineEvents } from './inline-events.js';
import { Slab, UNIT_BYTES } from './slab.js';
import type { HeldEvent, StoreContext } from './store-context.js';

// Module-local copies, so that V8 compiles them into the code (see caller-record.ts).
const {
  BLOCK_BIT,
  CONTROL,
  EPISODES_BIT,
  INLINE_COUNT_MASK,
  INLINE_COUNT_SHIFT,
  LATEST_F64,
  MODE_FIELDS_U32,
  RING_LEN,
  SLOT_F64,
  SLOT_U32,
} = callerRecord;

/**
 * Slab units per held event (ring entry, header share, growth slack, callee index), measured on the benchmark's
 * mix.
 */
const UNITS_PER_EVENT_ESTIMATE = 1.4;

export class WindowStore implements StoreContext {
  readonly callers: CallerTable;
  readonly slab: Slab;
  readonly windowsMs: Float64Array;
  readonly windowCount: number;
  readonly blockHeaderUnits: number;
  readonly longestMs: number;
  eventsHeld = 0;
  private readonly blocks: BlockEvents;
  private readonly blockReads: BlockReads;
  private readonly inline: InlineEvents;

  constructor(
    options: ResolvedEngineOptions,
    restored?: { callers: CallerTable; slab: Slab; eventsHeld: number },
  ) {
    this.windowsMs = Float64Array.from(options.windowsMs);
    this.windowCount = this.windowsMs.length;
    this.blockHeaderUnits = this.windowCount;
    this.longestMs = this.windowsMs[this.windowCount - 1]!;
    this.callers = restored?.callers ?? new CallerTable(options.expectedCallers);
    this.slab = restored?.slab ?? new Slab(options.expectedEvents * UNITS_PER_EVENT_ESTIMATE);
    this.eventsHeld = restored?.eventsHeld ?? 0;
    this.blocks = new BlockEvents(this);
    this.blockReads = new BlockReads(this);
    this.inline = new InlineEvents(this, this.blocks);
  }

  /** Applies one accepted event to the caller's windows. */
  update(slot: number, callee: number, t: number, durationSeconds: number): void {
    if ((this.callers.u32[slot * SLOT_U32 + CONTROL]! & BLOCK_BIT) !== 0) {
      this.blocks.insert(slot, callee, t, durationSeconds);
    } else {
      this.inline.insert(slot, callee, t, durationSeconds);
    }
  }

  /** The caller's latest event time T (−∞ for a fresh record). */
  latestAt(slot: number): number {
    return this.callers.f64[slot * SLOT_F64 + LATEST_F64]!;
  }

  /** Per-window count, distinct and duration sum at the caller's T. */
  loadStats(slot: number, count: Float64Array, distinct: Float64Array, sum: Float64Array): void {
    if (this.isBlock(slot)) this.blocks.loadStats(slot, count, distinct, sum);
    else this.inline.computeStats(slot, count, distinct, sum);
  }

  /** Largest number of events the caller could have in any window (cheap; used to skip rule evaluation). */
  heldUpperBound(slot: number): number {
    const u32 = this.callers.u32;
    return this.isBlock(slot)
      ? u32[slot * SLOT_U32 + RING_LEN]!
      : (u32[slot * SLOT_U32 + CONTROL]! & INLINE_COUNT_MASK) >>> INLINE_COUNT_SHIFT;
  }

  firstEventAt(slot: number, k: number): number {
    return this.isBlock(slot) ? this.blocks.firstEventAt(slot, k) : this.inline.firstEventAt(slot, k);
  }

  /** The caller's held events, oldest first (ties in arrival order), into `out`. Allocates: evidence only. */
  heldEvents(slot: number, out: HeldEvent[]): void {
    if (this.isBlock(slot)) this.blockReads.heldEvents(slot, out);
    else this.inline.heldEvents(slot, out);
  }

  /** Up to `max` distinct callees of the caller's calls after `sinceMs`, newest call first (case evidence). */
  recentCallees(slot: number, sinceMs: number, max: number): number[] {
    const held: HeldEvent[] = [];
    const callees: number[] = [];
    if (this.isBlock(slot)) return this.blockReads.recentCallees(slot, sinceMs, max);
    this.inline.heldEvents(slot, held);
    for (let i = held.length - 1; i >= 0 && callees.length < max; i--) {
      if (held[i]!.t <= sinceMs) break;
      if (!callees.includes(held[i]!.callee)) callees.push(held[i]!.callee);
    }
    return callees;
  }

  /** Event time of the caller's n-th newest held event (1 = newest), or NaN when it holds fewer. */
  nthNewestAt(slot: number, n: number): number {
    return this.isBlock(slot) ? this.blockReads.nthNewestAt(slot, n) : this.inline.nthNewestAt(slot, n);
  }

  hasEpisodes(slot: number): boolean {
    return (this.callers.u32[slot * SLOT_U32 + CONTROL]! & EPISODES_BIT) !== 0;
  }

  setEpisodes(slot: number, open: boolean): void {
    const u32 = this.callers.u32;
    const i = slot * SLOT_U32 + CONTROL;
    u32[i] = open ? u32[i]! | EPISODES_BIT : u32[i]! & ~EPISODES_BIT;
  }

  /** Forgets everything the caller held (its events left every window); the slot stays, empty. */
  reset(slot: number): void {
    this.release(slot);
    const u32 = this.callers.u32;
    u32.fill(0, slot * SLOT_U32 + MODE_FIELDS_U32, slot * SLOT_U32 + SLOT_U32);
    this.callers.f64[slot * SLOT_F64 + LATEST_F64] = -Infinity;
  }

  /** Frees the caller's memory and removes its record. */
  reclaim(slot: number): void {
    this.release(slot);
    this.callers.remove(slot);
  }

  bytes(): number {
    return this.callers.bytes + this.slab.allocatedBytes;
  }

  /** Bytes of slab blocks in use (allocated chunks minus free lists and unused chunk tails). */
  liveSlabBytes(): number {
    return this.slab.liveUnits * UNIT_BYTES;
  }

  private isBlock(slot: number): boolean {
    return (this.callers.u32[slot * SLOT_U32 + CONTROL]! & BLOCK_BIT) !== 0;
  }

  private release(slot: number): void {
    const u32 = this.callers.u32;
    const control = u32[slot * SLOT_U32 + CONTROL]!;
    if ((control & BLOCK_BIT) !== 0) {
      this.eventsHeld -= u32[slot * SLOT_U32 + RING_LEN]!;
      this.blocks.free(slot);
    } else {
      this.eventsHeld -= (control & INLINE_COUNT_MASK) >>> INLINE_COUNT_SHIFT;
    }
  }
}
