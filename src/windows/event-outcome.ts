/**
 * What became of one event given to `DetectionEngine.process`. Inside the engine an outcome is a small
 * integer code; `process` returns its name.
 */

/** Counted in the caller's windows, or older than all of them at the caller's T (nothing changed). */
export const OUTCOME_WINDOWED = 0;
/** Before the watermark: reported, changes nothing. */
export const OUTCOME_LATE = 1;
/** Fails validation (ids, time or duration out of range): state untouched. */
export const OUTCOME_INVALID = 2;

export type EventOutcome = 'windowed' | 'late' | 'invalid';
/** Names by code. */
export const OUTCOME_NAMES: readonly EventOutcome[] = ['windowed', 'late', 'invalid'];
