/**
 * A batch of events as parallel typed arrays: what a shard worker fills from one JetStream fetch and hands to
 * `DetectionEngine.processBatch`, and what crosses a thread boundary as transferable buffers.
 */

export interface EventBatch {
  /** Caller numbers (E.164 digits as integers). */
  readonly callers: Float64Array;
  readonly callees: Float64Array;
  /** Call start, epoch ms. */
  readonly startsMs: Float64Array;
  /** Whole seconds, 0 … 86,400. */
  readonly durations: Float64Array;
}

export function createEventBatch(capacity: number): EventBatch {
  return {
    callers: new Float64Array(capacity),
    callees: new Float64Array(capacity),
    startsMs: new Float64Array(capacity),
    durations: new Float64Array(capacity),
  };
}

/** Outcome codes written by `processBatch`, one byte per event. */
export const OUTCOME_WINDOWED = 0;
export const OUTCOME_LATE = 1;
export const OUTCOME_INVALID = 2;

export type EventOutcome = 'windowed' | 'late' | 'invalid';
export const OUTCOME_NAMES: readonly EventOutcome[] = ['windowed', 'late', 'invalid'];
