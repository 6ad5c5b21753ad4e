/** What the API shows for one caller: its windows at its latest event time, and its open alert episodes. */
import type { Severity } from './alert-types.js';

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

export interface CallerStats {
  caller: number;
  /** T: the latest event time seen for this caller. */
  latestEventAtMs: number;
  windows: CallerWindowStats[];
  openEpisodes: OpenEpisode[];
}

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
}
