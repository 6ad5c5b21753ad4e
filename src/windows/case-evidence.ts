/**
 * Case evidence: each window's figures at one moment, the trigger window's recent callees and the summary
 * line, computed from the events the caller holds. Runs only when a case event is emitted (a few per suspect
 * a day), so it works on plain arrays and may allocate; the per-event decisions use the engine's counters.
 */
import type { CaseWindowEvidence } from './case-types.js';
import { CALLEE_SAMPLE_SIZE } from './case-types.js';
import type { PreparedRule, WindowStats } from './rule.js';
import { severityName } from './severity.js';
import type { HeldEvent } from './store-context.js';

export interface WindowsAt {
  windows: CaseWindowEvidence[];
  /** Per window: the rule's severity index, −1 when unmet. */
  severities: number[];
  /** Per window, for the rule's summary line. */
  stats: WindowStats[];
}

/**
 * Every window `(atMs − W, atMs]` over `held` (oldest first), with the rule's verdict in each. One pass from the
 * newest call back to the longest window's edge: windows are suffixes of the held calls, and a callee counts in
 * window k iff its newest call up to `atMs` does, which is the first time the pass meets it.
 */
export function windowsAt(
  prepared: PreparedRule,
  windowsMs: readonly number[],
  held: readonly HeldEvent[],
  atMs: number,
): WindowsAt {
  const n = windowsMs.length;
  const count = new Array<number>(n).fill(0);
  const distinct = new Array<number>(n).fill(0);
  const sum = new Array<number>(n).fill(0);
  const first = new Array<number | null>(n).fill(null);
  const last = new Array<number | null>(n).fill(null);
  const seen = new Set<number>();
  const longestEdge = atMs - windowsMs[n - 1]!;
  for (let i = held.length - 1; i >= 0; i--) {
    const event = held[i]!;
    if (event.t > atMs) continue;
    if (event.t <= longestEdge) break;
    const newest = !seen.has(event.callee);
    if (newest) seen.add(event.callee);
    // Windows ascend, so the ones holding this call are the longest ones, from some k on.
    for (let k = n - 1; k >= 0 && event.t > atMs - windowsMs[k]!; k--) {
      count[k]!++;
      sum[k] = sum[k]! + event.duration;
      if (newest) distinct[k]!++;
      first[k] = event.t;
      last[k] ??= event.t;
    }
  }
  const windows: CaseWindowEvidence[] = [];
  const severities: number[] = [];
  const stats: WindowStats[] = [];
  windowsMs.forEach((windowMs, k) => {
    const windowStats: WindowStats = {
      windowMs,
      callCount: count[k]!,
      distinctCallees: distinct[k]!,
      totalDurationSeconds: sum[k]!,
    };
    const severity = prepared.minCallsByWindow[k] === Infinity ? -1 : prepared.evaluate(k, windowStats);
    severities.push(severity);
    stats.push(windowStats);
    windows.push({
      windowMs,
      callCount: count[k]!,
      distinctCallees: distinct[k]!,
      totalDurationSeconds: sum[k]!,
      avgDurationSeconds: count[k] === 0 ? 0 : sum[k]! / count[k]!,
      firstEventAtMs: first[k]!,
      lastEventAtMs: last[k]!,
      severity: severity < 0 ? null : severityName(severity),
    });
  });
  return { windows, severities, stats };
}

/** Up to `CALLEE_SAMPLE_SIZE` distinct callees of window `(atMs − windowMs, atMs]`, newest call first. */
export function calleeSample(held: readonly HeldEvent[], windowMs: number, atMs: number): string[] {
  const seen = new Set<number>();
  const sample: string[] = [];
  for (let i = held.length - 1; i >= 0 && sample.length < CALLEE_SAMPLE_SIZE; i--) {
    const event = held[i]!;
    if (event.t > atMs) continue;
    if (event.t <= atMs - windowMs) break; // oldest first: everything before is older still
    if (seen.has(event.callee)) continue;
    seen.add(event.callee);
    sample.push(String(event.callee));
  }
  return sample;
}

/** The window that decides: highest severity, ties to the shortest window; −1 when none is met. */
export function triggerWindow(severities: ArrayLike<number>): number {
  let best = -1;
  let bestK = -1;
  for (let k = 0; k < severities.length; k++) {
    if (severities[k]! > best) {
      best = severities[k]!;
      bestK = k;
    }
  }
  return bestK;
}
