/**
 * What the inline and block representations of a caller share: the tables, the window geometry and the count
 * of events held. One object per engine, read on every event, so its shape never changes after construction.
 */
import type { CallerTable } from './caller-table.js';
import type { Slab } from './slab.js';

export interface StoreContext {
  readonly callers: CallerTable;
  readonly slab: Slab;
  /** Window lengths, ascending. */
  readonly windowsMs: Float64Array;
  readonly windowCount: number;
  /**
   * Units before a block's ring: one per window (count; distinct with the duration sum's high bits; tail time;
   * the sum's low 32 bits), see block-events.ts.
   */
  readonly blockHeaderUnits: number;
  readonly longestMs: number;
  /** Events held in the longest window, over all callers. */
  eventsHeld: number;
}

/**
 * What moving a caller out of block mode needs from block mode: freeing its ring and callee index. An
 * interface so that `ModeTransitions` (which `BlockEvents` owns) does not import `BlockEvents` back.
 */
export interface BlockRelease {
  /** Frees the caller's blocks; the record's block fields are left for the caller to clear. */
  free(slot: number): void;
}

/** A window unit's second u32: the distinct count in the low bits, the duration sum's high bits above. */
export const DISTINCT_BITS = 22;
export const DISTINCT_MASK = (1 << DISTINCT_BITS) - 1;
export const TWO_POW_32 = 4_294_967_296;

/** Callers holding at most this many events keep them inside their caller-table record. */
export const INLINE_CAPACITY = 3;

/** One event a caller holds, as case evidence reads it. */
export interface HeldEvent {
  callee: number;
  t: number;
  duration: number;
}
