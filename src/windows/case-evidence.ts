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

/** Every window `(atMs − W, atMs]` over `held` (oldest first), with the rule's verdict in each. */
export function windowsAt(
  prepared: PreparedRule,
  windowsMs: readonly number[],
  held: readonly HeldEvent[],
  atMs: number,
): WindowsAt {
  const windows: CaseWindowEvidence[] = [];
  const severities: number[] = [];
  const stats: WindowStats[] = [];
  windowsMs.forEach((windowMs, k) => {
    let callCount = 0;
    let totalDurationSeconds = 0;
    let firstEventAtMs: number | null = null;
    let lastEventAtMs: number | null = null;
    const callees = new Set<number>();
    for (const event of held) {
      if (event.t <= atMs - windowMs || event.t > atMs) continue;
      callCount++;
      totalDurationSeconds += event.duration;
      callees.add(event.callee);
      if (firstEventAtMs === null || event.t < firstEventAtMs) firstEventAtMs = event.t;
      if (lastEventAtMs === null || event.t > lastEventAtMs) lastEventAtMs = event.t;
    }
    const windowStats: WindowStats = {
      windowMs,
      callCount,
      distinctCallees: callees.size,
      totalDurationSeconds,
    };
    const severity = prepared.minCallsByWindow[k] === Infinity ? -1 : prepared.evaluate(k, windowStats);
    severities.push(severity);
    stats.push(windowStats);
    windows.push({
      windowMs,
      callCount,
      distinctCallees: callees.size,
      totalDurationSeconds,
      avgDurationSeconds: callCount === 0 ? 0 : totalDurationSeconds / callCount,
      firstEventAtMs,
      lastEventAtMs,
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
