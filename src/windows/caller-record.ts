/**
 * The caller table's 64-byte record: where each field sits, in each mode. A caller holding at most three
 * events keeps them in the record itself (inline mode); a busier caller's record points at a ring block in
 * the slab (block mode).
 *
 * Layout (u32 index within the slot; f64 index = u32 index / 2) and the constant naming each field:
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
 *
 * Hot-path modules copy the constants they use into module-local bindings:
 *
 *   import * as callerRecord from './caller-record.js';
 *   const { RING_LEN, SLOT_U32 } = callerRecord;
 *
 * because on Node 20, V8's optimizing compiler turns a module's own `const` numbers into constants in the
 * machine code, but reads an imported binding from its module cell, with a type check, at every use.
 */

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
