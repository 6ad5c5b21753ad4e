/**
 * What the engine reports about one caller (`DetectionEngine.callerStats`) and about itself (`footprint`).
 * These are the canonical engine-side types, in the engine's units (epoch ms, window lengths in ms); a module
 * that shows them elsewhere converts at its own boundary (the shard-worker protocol, for one, sends seconds).
 */
import type { Severity } from './alert-types.js';

/** One caller's stats in one window `(T − windowMs, T]` at its latest event time T. */
export interface CallerWindowStats {
  windowMs: number;
  callCount: number;
  distinctCallees: number;
  totalDurationSeconds: number;
  /** 0 when the window holds no calls. */
  avgDurationSeconds: number;
  /** Window `(windowStartMs, windowEndMs]`; the end is the caller's T. */
  windowStartMs: number;
  windowEndMs: number;
  /** Oldest and newest event in the window; null when it is empty. */
  firstEventAtMs: number | null;
  lastEventAtMs: number | null;
}

/** An alert episode still open for the caller in one (rule, window). */
export interface OpenEpisode {
  rule: string;
  windowMs: number;
  episodeKey: string;
  /** Severity of the last alert emitted in the episode. */
  severity: Severity;
  startedAtMs: number;
  emissions: number;
  lastEmittedAtMs: number;
}

/** One caller's windows (in the engine's window order) and open episodes, at its latest event time. */
export interface CallerStats {
  caller: number;
  /** T: the latest event time seen for this caller. */
  latestEventAtMs: number;
  windows: CallerWindowStats[];
  openEpisodes: OpenEpisode[];
}

/** How much the engine holds and the memory it takes. */
export interface EngineFootprint {
  /** Caller records in the table (idle ones are reclaimed incrementally as the watermark moves). */
  callers: number;
  /** Events held in the longest window, over all callers. */
  eventsHeld: number;
  /** Memory the engine has allocated: caller table plus slab chunks. */
  bytes: number;
  callerTableBytes: number;
  /** Slab bytes in blocks currently in use (the rest of `bytes` is free for reuse). */
  slabLiveBytes: number;
  /** Callers with at least one open alert episode. */
  callersWithOpenEpisodes: number;
  /** Cases held: open ones, and closed ones still inside their reopen period. */
  cases: number;
}
