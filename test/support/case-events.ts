/**
 * Realistic case events for the sink, outbox, publishing and feed tests, built the way the engine's case
 * lifecycle emits them: one case per suspect, keys `${rule}:${caller}:${openedAtMs}` and `${caseKey}:${sequence}`,
 * the three default windows with their figures, thresholds frozen at each event, and a bounded callee sample.
 */
import {
  CALLEE_SAMPLE_SIZE,
  type CaseEvent,
  type CaseEventKind,
  type CaseWindowEvidence,
  type Severity,
} from '../../src/windows/index.js';

export const CASE_WINDOWS_MS = [600_000, 3_600_000, 86_400_000] as const;
const RANK: readonly Severity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

export interface CaseStep {
  kind: CaseEventKind;
  severity: Severity;
  /** Event time of the step, ms after the case opened. */
  afterMs: number;
  /** Distinct callees in the trigger window at the step. */
  distinct: number;
  avgDurationSeconds: number;
  /** @default the 10-minute window */
  triggerWindowMs?: number;
}

/** The usual life of a SIM box caught in its 10-minute window, escalating, updated, going quiet, coming back. */
export const SIMBOX_LIFE: readonly CaseStep[] = [
  { kind: 'opened', severity: 'MEDIUM', afterMs: 0, distinct: 51, avgDurationSeconds: 1.9 },
  { kind: 'escalated', severity: 'HIGH', afterMs: 240_000, distinct: 104, avgDurationSeconds: 1.7 },
  {
    kind: 'updated',
    severity: 'HIGH',
    afterMs: 900_000,
    distinct: 180,
    avgDurationSeconds: 1.6,
    triggerWindowMs: 3_600_000,
  },
  { kind: 'closed', severity: 'HIGH', afterMs: 7_200_000, distinct: 0, avgDurationSeconds: 0 },
  { kind: 'reopened', severity: 'MEDIUM', afterMs: 10_800_000, distinct: 55, avgDurationSeconds: 2.1 },
];

function windowEvidence(step: CaseStep, windowMs: number, atMs: number): CaseWindowEvidence {
  const trigger = step.triggerWindowMs ?? CASE_WINDOWS_MS[0];
  // Longer windows hold at least the trigger window's calls; a quiet (closed) case has nothing in the short one.
  const scale = windowMs <= trigger ? 1 : 1.5;
  const distinct = Math.round(step.distinct * (windowMs < trigger ? 0.5 : scale));
  const calls = Math.round(distinct * 1.1);
  const total = Math.round(calls * step.avgDurationSeconds);
  return {
    windowMs,
    callCount: calls,
    distinctCallees: distinct,
    totalDurationSeconds: total,
    avgDurationSeconds: calls === 0 ? 0 : total / calls,
    firstEventAtMs: calls === 0 ? null : atMs - Math.min(windowMs, 3_600_000) + 1_000,
    lastEventAtMs: calls === 0 ? null : atMs,
    severity: windowMs === trigger && step.kind !== 'closed' ? step.severity : null,
  };
}

/** A case's events for `caller`, opened at `openedAtMs`, following `steps`. */
export function caseEvents(
  caller: string,
  openedAtMs: number,
  steps: readonly CaseStep[] = SIMBOX_LIFE,
): CaseEvent[] {
  const caseKey = `sdhf:${caller}:${openedAtMs}`;
  let peak: Severity = 'LOW';
  let reopenCount = 0;
  return steps.map((step, sequence) => {
    const atMs = openedAtMs + step.afterMs;
    if (RANK.indexOf(step.severity) > RANK.indexOf(peak)) peak = step.severity;
    if (step.kind === 'reopened') reopenCount += 1;
    const triggerWindowMs = step.triggerWindowMs ?? CASE_WINDOWS_MS[0];
    const windows = CASE_WINDOWS_MS.map((windowMs) => windowEvidence(step, windowMs, atMs));
    const trigger = windows.find((window) => window.windowMs === triggerWindowMs)!;
    const sample = Array.from(
      { length: Math.min(CALLEE_SAMPLE_SIZE, step.distinct) },
      (_unused, k) => `23481${String(60_000_000 + step.distinct - k)}`,
    );
    return {
      caseKey,
      eventKey: `${caseKey}:${sequence}`,
      sequence,
      kind: step.kind,
      rule: 'sdhf',
      alertType: 'SDHF_SIMBOX',
      detectionRule: 'SDHF_001',
      suspectNumber: caller,
      severity: step.severity,
      peakSeverity: peak,
      triggerWindowMs,
      atMs,
      openedAtMs,
      reopenCount,
      windows,
      calleeSample: sample,
      thresholds: CASE_WINDOWS_MS.map((windowMs) => ({
        windowMs,
        minDistinctCallees: 50,
        maxAvgDurationSeconds: 3,
      })),
      evidenceSummary:
        `Caller ${caller} made ${trigger.callCount} calls to ${trigger.distinctCallees} distinct numbers in ` +
        `${triggerWindowMs / 60_000}m, avg duration ${trigger.avgDurationSeconds.toFixed(1)}s`,
    };
  });
}
