/**
 * Cases: what analysts work. A case is one suspect under one rule family across all of the engine's windows.
 * It opens when any window first meets the rule, escalates in place, is updated while it stays open, and
 * closes only after the rule has been unmet in every window for a quiet period (hysteresis); a case that
 * comes back within the reopen period is the same case, reopened. Every change is a `CaseEvent` with the
 * per-window figures at that moment, frozen with the thresholds in force, so history never depends on today's
 * settings. Everything here is in event time: replaying a stream gives the same cases, events and keys.
 * See docs/adr/0010-cases.md.
 */
import type { Severity } from './alert-types.js';

/**
 * `opened`: first time the rule held. `escalated`: severity rose. `updated`: still met and the figures moved
 * on, at most once per update interval. `closed`: unmet in every window for the quiet period. `reopened`: met
 * again within the reopen period after closing (same case, `reopenCount` + 1).
 */
export const CASE_EVENT_KINDS = ['opened', 'escalated', 'updated', 'closed', 'reopened'] as const;
export type CaseEventKind = (typeof CASE_EVENT_KINDS)[number];

/** One window's figures at the moment of a case event. */
export interface CaseWindowEvidence {
  windowMs: number;
  callCount: number;
  distinctCallees: number;
  totalDurationSeconds: number;
  /** 0 when the window holds no call. */
  avgDurationSeconds: number;
  /** Oldest and newest event in the window; null when it is empty. */
  firstEventAtMs: number | null;
  lastEventAtMs: number | null;
  /** Severity the rule gives this window, or null when the rule is not met in it (or not watched). */
  severity: Severity | null;
}

/** The thresholds in force for one window when the event was emitted. */
export interface CaseThreshold {
  windowMs: number;
  minDistinctCallees: number;
  maxAvgDurationSeconds: number;
}

export interface CaseEvent {
  /** Deterministic: `${rule}:${caller}:${openedAtMs}` of the case's first opening; reopening keeps it. */
  caseKey: string;
  /** Deterministic: `${caseKey}:${sequence}`; the `Nats-Msg-Id` of its messages and its row's key. */
  eventKey: string;
  /** 0 for `opened`, then 1, 2, … over the case's whole life (across reopenings). */
  sequence: number;
  kind: CaseEventKind;
  /** Lower-case rule family id used in subjects, e.g. `sdhf`. */
  rule: string;
  /** e.g. `SDHF_SIMBOX`. */
  alertType: string;
  /** e.g. `SDHF_001`. */
  detectionRule: string;
  /** Caller digits, no `+`. */
  suspectNumber: string;
  /** Severity now (for `closed`: the last severity while open). */
  severity: Severity;
  /** Highest severity the case has reached. */
  peakSeverity: Severity;
  /** The window that decided this event: the one with the highest severity (ties: the shortest). */
  triggerWindowMs: number;
  /** Event time of the CDR (or of the clock tick, for `closed`) that caused this event. */
  atMs: number;
  openedAtMs: number;
  reopenCount: number;
  /** Every engine window, shortest first. */
  windows: CaseWindowEvidence[];
  /** Up to `CALLEE_SAMPLE_SIZE` distinct callees of the trigger window, newest first (digits). */
  calleeSample: string[];
  thresholds: CaseThreshold[];
  /** One human line, e.g. `Caller 2348012345678 made 73 calls to 61 distinct numbers in 1h, avg duration 1.8s`. */
  evidenceSummary: string;
}

/** Callees kept as evidence per event: enough to see a pattern (a range, a prefix), bounded in size. */
export const CALLEE_SAMPLE_SIZE = 20;

/** Case lifecycle settings (part of `RuleSettings`, changeable at run time). */
export interface CaseSettings {
  /** The rule must be unmet in every window this long (event time) before the case closes. */
  quietPeriodMs: number;
  /** A case that is met again within this long after closing is reopened instead of a new one. */
  reopenWithinMs: number;
  /** While open, an `updated` event at most this often (and only when the figures changed). */
  updateEveryMs: number;
}

/**
 * Defaults, measured on the quality benchmark's day (docs/adr/0010-cases.md): a quiet hour closes a case, a case
 * that comes back within a day is reopened, and an open case reports moved figures at most hourly — about 20
 * case events per fraudster a day against 88 window-level alert messages (every 10 minutes: 106).
 */
export const DEFAULT_CASE_SETTINGS: CaseSettings = {
  quietPeriodMs: 3_600_000,
  reopenWithinMs: 86_400_000,
  updateEveryMs: 3_600_000,
};

/** A suspect a reviewer marked false positive: no new case for it until `untilMs` (event time). */
export interface Suppression {
  /** Caller digits, no `+`. */
  number: string;
  untilMs: number;
}
