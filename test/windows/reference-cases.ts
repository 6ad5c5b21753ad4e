/**
 * The brute-force reference for cases (case-tracker.ts, docs/adr/0010-cases.md): every accepted event of a
 * caller in a plain array, window figures recomputed by filtering, due cases found by scanning every case on
 * every event (no heap), evidence rebuilt from scratch. Fed the events the reference engine accepted, with the
 * watermark after each.
 */
import {
  CALLEE_SAMPLE_SIZE,
  DEFAULT_CASE_SETTINGS,
  type CaseEvent,
  type CaseEventKind,
  type CaseWindowEvidence,
  type RuleSettings,
  type Severity,
} from '../../src/windows/index.js';
import { refLabel, refSeverity } from './reference-engine.js';

interface RefEvent {
  callee: number;
  t: number;
  duration: number;
}

interface RefCase {
  caller: number;
  openedAtMs: number;
  sequence: number;
  reopenCount: number;
  open: boolean;
  severity: number;
  peak: number;
  triggerWindowMs: number;
  quietFromMs: number;
  closedAtMs: number;
  lastEventAtMs: number;
  figures: string;
}

const NAMES: Severity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

export class ReferenceCases {
  private readonly callers = new Map<number, { latestMs: number; events: RefEvent[] }>();
  private readonly cases = new Map<number, RefCase>();
  private settings!: RuleSettings;
  private watermarkMs = -Infinity;

  constructor(
    private readonly windowsMs: readonly number[],
    settings: RuleSettings,
  ) {
    this.setRules(settings);
  }

  setRules(settings: RuleSettings): void {
    this.settings = settings;
  }

  /** Cases held (open, or closed within the reopen period). */
  get size(): number {
    return this.cases.size;
  }

  private get caseSettings(): typeof DEFAULT_CASE_SETTINGS {
    return this.settings.cases ?? DEFAULT_CASE_SETTINGS;
  }

  /** An event the reference engine accepted (`windowed`); `watermarkMs` is the watermark after it. */
  accept(
    caller: number,
    callee: number,
    t: number,
    duration: number,
    watermarkMs: number,
    out: CaseEvent[],
  ): void {
    this.watermarkMs = watermarkMs;
    this.tick(watermarkMs, out);
    const longest = this.windowsMs.at(-1)!;
    let record = this.callers.get(caller);
    if (record !== undefined && record.latestMs + longest <= watermarkMs) record = undefined;
    if (record === undefined) {
      record = { latestMs: t, events: [] };
      this.callers.set(caller, record);
    }
    record.events.push({ callee, t, duration });
    record.latestMs = Math.max(record.latestMs, t);
    this.evaluate(caller, record.latestMs, record.events, out);
  }

  private dueOf(c: RefCase): number {
    return c.open
      ? c.quietFromMs + this.caseSettings.quietPeriodMs
      : c.closedAtMs + this.caseSettings.reopenWithinMs;
  }

  private tick(watermarkMs: number, out: CaseEvent[]): void {
    for (;;) {
      let next: RefCase | undefined;
      for (const c of this.cases.values()) {
        const due = this.dueOf(c);
        if (due > watermarkMs) continue;
        if (
          next === undefined ||
          due < this.dueOf(next) ||
          (due === this.dueOf(next) && c.caller < next.caller)
        )
          next = c;
      }
      if (next === undefined) return;
      if (!next.open) {
        this.cases.delete(next.caller);
        continue;
      }
      const at = this.dueOf(next);
      next.open = false;
      next.closedAtMs = at;
      out.push(this.emit(next, 'closed', at));
    }
  }

  private inWindow(events: readonly RefEvent[], windowMs: number, atMs: number): RefEvent[] {
    return events.filter((e) => e.t > atMs - windowMs && e.t <= atMs);
  }

  private severityIn(events: readonly RefEvent[], windowMs: number, atMs: number): number {
    const thresholds = this.settings.sdhf.find((entry) => entry.windowMs === windowMs);
    const inside = this.inWindow(events, windowMs, atMs);
    const distinct = new Set(inside.map((e) => e.callee)).size;
    const avg = inside.reduce((total, e) => total + e.duration, 0) / inside.length;
    if (thresholds === undefined || !(distinct > thresholds.minDistinctCallees)) return -1;
    return avg < thresholds.maxAvgDurationSeconds ? refSeverity(distinct, avg) : -1;
  }

  private blocked(caller: number, atMs: number): boolean {
    const digits = String(caller);
    const allowlisted = this.settings.allowlist.some((entry) =>
      entry.endsWith('*') ? digits.startsWith(entry.slice(0, -1)) : digits === entry,
    );
    const suppressed = (this.settings.suppressions ?? []).some(
      (s) => s.number === digits && atMs < s.untilMs,
    );
    return allowlisted || suppressed;
  }

  private figures(events: readonly RefEvent[], atMs: number): string {
    return JSON.stringify(
      this.windowsMs.map((windowMs) => {
        const inside = this.inWindow(events, windowMs, atMs);
        return [
          inside.length,
          new Set(inside.map((e) => e.callee)).size,
          inside.reduce((a, e) => a + e.duration, 0),
        ];
      }),
    );
  }

  private evaluate(caller: number, T: number, events: readonly RefEvent[], out: CaseEvent[]): void {
    let severity = -1;
    let metUntil = -Infinity;
    if (!this.blocked(caller, T)) {
      for (const windowMs of this.windowsMs) {
        const s = this.severityIn(events, windowMs, T);
        if (s < 0) continue;
        severity = Math.max(severity, s);
        // The rule needs more than minDistinctCallees calls: it holds at most until the (min + 1)-th newest leaves.
        const min = this.settings.sdhf.find((entry) => entry.windowMs === windowMs)!.minDistinctCallees;
        const newestFirst = this.inWindow(events, windowMs, T)
          .map((e) => e.t)
          .sort((a, b) => b - a);
        metUntil = Math.max(metUntil, newestFirst[min]! + windowMs);
      }
    }
    let c = this.cases.get(caller);
    if (severity < 0) {
      if (c?.open === true) c.quietFromMs = Math.min(c.quietFromMs, T);
      return;
    }
    const figures = this.figures(events, T);
    let kind: CaseEventKind | undefined;
    if (c === undefined || !c.open) {
      if (c !== undefined && T - c.closedAtMs < this.caseSettings.reopenWithinMs) {
        kind = 'reopened';
        c.reopenCount++;
        c.open = true;
      } else {
        kind = 'opened';
        c = {
          caller,
          openedAtMs: T,
          sequence: 0,
          reopenCount: 0,
          open: true,
          severity,
          peak: severity,
          triggerWindowMs: 0,
          quietFromMs: metUntil,
          closedAtMs: NaN,
          lastEventAtMs: T,
          figures,
        };
        this.cases.set(caller, c);
      }
    } else if (severity > c.peak) {
      kind = 'escalated';
    } else if (T - c.lastEventAtMs >= this.caseSettings.updateEveryMs && figures !== c.figures) {
      kind = 'updated';
    }
    c.quietFromMs = metUntil;
    if (kind === undefined) return;
    c.severity = severity;
    c.peak = Math.max(c.peak, severity);
    c.lastEventAtMs = T;
    c.figures = figures;
    out.push(this.emit(c, kind, T));
  }

  private emit(c: RefCase, kind: CaseEventKind, atMs: number): CaseEvent {
    // A caller whose calls all left the longest window by the clock is not held: its windows are empty.
    const found = this.callers.get(c.caller);
    const record =
      found !== undefined && found.latestMs + this.windowsMs.at(-1)! > this.watermarkMs ? found : undefined;
    const events = record?.events ?? [];
    const evidenceAt = kind === 'closed' ? Math.max(atMs, record?.latestMs ?? -Infinity) : atMs;
    const windows: CaseWindowEvidence[] = this.windowsMs.map((windowMs) => {
      const inside = this.inWindow(events, windowMs, evidenceAt);
      const total = inside.reduce((a, e) => a + e.duration, 0);
      const severity = this.severityIn(events, windowMs, evidenceAt);
      return {
        windowMs,
        callCount: inside.length,
        distinctCallees: new Set(inside.map((e) => e.callee)).size,
        totalDurationSeconds: total,
        avgDurationSeconds: inside.length === 0 ? 0 : total / inside.length,
        firstEventAtMs: inside.length === 0 ? null : Math.min(...inside.map((e) => e.t)),
        lastEventAtMs: inside.length === 0 ? null : Math.max(...inside.map((e) => e.t)),
        severity: severity < 0 ? null : NAMES[severity]!,
      };
    });
    if (kind !== 'closed') {
      let best = -1;
      for (const w of windows) {
        const s = w.severity === null ? -1 : NAMES.indexOf(w.severity);
        if (s > best) {
          best = s;
          c.triggerWindowMs = w.windowMs;
        }
      }
    }
    const trigger = windows.find((w) => w.windowMs === c.triggerWindowMs)!;
    // Newest first by time, later arrival first among equal times.
    const ordered = events
      .map((e, arrival) => ({ ...e, arrival }))
      .filter((e) => e.t > evidenceAt - trigger.windowMs && e.t <= evidenceAt)
      .sort((a, b) => b.t - a.t || b.arrival - a.arrival);
    const sample = [...new Set(ordered.map((e) => e.callee))].slice(0, CALLEE_SAMPLE_SIZE).map(String);
    const caseKey = `sdhf:${c.caller}:${c.openedAtMs}`;
    const sequence = c.sequence++;
    return {
      caseKey,
      eventKey: `${caseKey}:${sequence}`,
      sequence,
      kind,
      rule: 'sdhf',
      alertType: 'SDHF_SIMBOX',
      detectionRule: 'SDHF_001',
      suspectNumber: String(c.caller),
      severity: NAMES[c.severity]!,
      peakSeverity: NAMES[c.peak]!,
      triggerWindowMs: c.triggerWindowMs,
      atMs,
      openedAtMs: c.openedAtMs,
      reopenCount: c.reopenCount,
      windows,
      calleeSample: sample,
      thresholds: [...this.settings.sdhf]
        .sort((a, b) => a.windowMs - b.windowMs)
        .map(({ windowMs, minDistinctCallees, maxAvgDurationSeconds }) => ({
          windowMs,
          minDistinctCallees,
          maxAvgDurationSeconds,
        })),
      evidenceSummary:
        `Caller ${c.caller} made ${trigger.callCount} calls to ${trigger.distinctCallees} distinct numbers in ` +
        `${refLabel(trigger.windowMs)}, avg duration ${trigger.avgDurationSeconds.toFixed(1)}s`,
    };
  }
}
