/**
 * The case lifecycle, in event time (docs/adr/0010-cases.md). One case per (caller, rule family) across all
 * windows. The engine calls `evaluate` after it computed a caller's per-window severities for an event, and
 * `tick` whenever its clock (the watermark) moves:
 *
 * - met: the rule holds in at least one window at the caller's T, and the caller is neither allowlisted nor
 *   suppressed (a suppression holds while T < its `untilMs`). An allowlisted or suppressed caller counts as
 *   unmet: it opens no case, and an open one gets no more events and closes after the quiet period.
 * - unmet since (`quietFromMs`): after a met evaluation, the moment the rule can no longer hold without a new
 *   call — the latest, over the met windows k, of (time of the caller's n_k-th newest call + W_k), where n_k is
 *   the fewest calls with which the rule can hold in k (`minCallsByWindow`): from then on window k holds fewer
 *   calls than that. An unmet evaluation at T brings it forward to T if that is earlier.
 * - closed: when the clock reaches `quietFromMs + quietPeriodMs` (event `atMs` is that moment).
 * - reopened: met again at T with T − closedAt < reopenWithinMs (same key, `reopenCount` + 1); the case is
 *   forgotten once the clock passes closedAt + reopenWithinMs, after which a new case opens.
 * - escalated: met with a severity above the case's peak so far (a severity that dips and comes back is not
 *   news: `updated` reports it); updated: met, figures (count, distinct, duration sum per window) changed since
 *   the last event, and at least `updateEveryMs` after it.
 */
import { Allowlist } from './allowlist.js';
import { calleeSample, triggerWindow, windowsAt, type WindowsAt } from './case-evidence.js';
import { CaseHeap, type Scheduled } from './case-heap.js';
import type { CaseEvent, CaseEventKind, CaseSettings, CaseWindowEvidence } from './case-types.js';
import { CALLEE_SAMPLE_SIZE, DEFAULT_CASE_SETTINGS } from './case-types.js';
import type { RuleSettings } from './engine-options.js';
import type { PreparedRule, Rule, WindowStats } from './rule.js';
import { severityName } from './severity.js';
import type { HeldEvent } from './store-context.js';

export interface CaseState extends Scheduled {
  openedAtMs: number;
  /** The next event's sequence number. */
  sequence: number;
  reopenCount: number;
  open: boolean;
  /** Severity index of the last event (for `closed`: the last one while open). */
  severity: number;
  peakSeverity: number;
  triggerWindowMs: number;
  /** Open: the rule is unmet from here on unless a new call says otherwise. */
  quietFromMs: number;
  /** Closed: when. NaN while open. */
  closedAtMs: number;
  lastEventAtMs: number;
  /** count, distinct, duration sum per window at the last event. */
  figures: number[];
}

/**
 * What the tracker reads from the window store, by caller. A caller whose every call left the longest window by
 * the clock (latest + longest window ≤ watermark) is not held, whether the sweep reclaimed it yet or not.
 */
export interface CaseEventSource {
  /** The caller's latest event time T; −∞ when the engine holds nothing for it. */
  latestAt(caller: number): number;
  /** The caller's held events, oldest first; none when it is not held. */
  held(caller: number): HeldEvent[];
}

/** The engine's figures for one evaluated caller, shared scratch arrays (one slot per window). */
export interface EvaluatedWindows {
  severities: Int32Array;
  count: Float64Array;
  distinct: Float64Array;
  sum: Float64Array;
  /** Time of the caller's n-th newest call (1 = newest). */
  nthNewestAt(n: number): number;
  /** Time of the oldest call in window k, NaN when it is empty. */
  firstEventAt(k: number): number;
  /** Up to `max` distinct callees of calls after `sinceMs`, newest call first. */
  recentCallees(sinceMs: number, max: number): number[];
}

/** One event's evidence: the windows, the trigger window's index and callee sample, and when it was taken. */
interface Evidence {
  at: WindowsAt;
  sample: string[];
  k: number;
  evidenceAtMs: number;
}

export class CaseTracker {
  /** Per rule: caller → case. */
  private readonly books: Map<number, CaseState>[];
  private readonly heap = new CaseHeap<CaseState>();
  private prepared: PreparedRule[] = [];
  private settings: CaseSettings = DEFAULT_CASE_SETTINGS;
  private allowlist = new Allowlist([]);
  private suppressions = new Map<number, number>();

  constructor(
    private readonly rules: readonly Rule[],
    private readonly windowsMs: readonly number[],
  ) {
    this.books = rules.map(() => new Map<number, CaseState>());
  }

  get size(): number {
    return this.heap.size;
  }

  /** New rules, allowlist, suppressions or case settings; due times are recomputed. */
  configure(prepared: PreparedRule[], settings: RuleSettings, allowlist: Allowlist): void {
    this.prepared = prepared;
    this.allowlist = allowlist;
    this.suppressions = new Map();
    for (const { number, untilMs } of settings.suppressions ?? []) {
      const caller = Number(number);
      this.suppressions.set(caller, Math.max(untilMs, this.suppressions.get(caller) ?? -Infinity));
    }
    const cases = settings.cases ?? DEFAULT_CASE_SETTINGS;
    const changed =
      cases.quietPeriodMs !== this.settings.quietPeriodMs ||
      cases.reopenWithinMs !== this.settings.reopenWithinMs;
    this.settings = { ...cases };
    if (!changed) return;
    for (const book of this.books) {
      for (const state of book.values()) {
        state.dueMs = this.dueOf(state);
        this.heap.schedule(state);
      }
    }
  }

  /** Whether the caller has a case (open or recently closed) under rule `r`. */
  has(r: number, caller: number): boolean {
    return this.books[r]!.has(caller);
  }

  /** After the engine evaluated rule `r` for the caller at its latest event time `latestMs`. */
  evaluate(
    r: number,
    caller: number,
    latestMs: number,
    figures: EvaluatedWindows,
    source: CaseEventSource,
    out: CaseEvent[],
  ): void {
    const book = this.books[r]!;
    let state = book.get(caller);
    const minCalls = this.prepared[r]!.minCallsByWindow;
    let severity = -1;
    let metUntilMs = -Infinity;
    if (!this.blocked(caller, latestMs)) {
      for (let k = 0; k < this.windowsMs.length; k++) {
        const s = figures.severities[k]!;
        if (s < 0) continue;
        if (s > severity) severity = s;
        const until = figures.nthNewestAt(minCalls[k]!) + this.windowsMs[k]!;
        if (until > metUntilMs) metUntilMs = until;
      }
    }
    if (severity < 0) {
      if (state?.open === true && latestMs < state.quietFromMs) {
        state.quietFromMs = latestMs;
        this.reschedule(state);
      }
      return;
    }
    let kind: CaseEventKind | undefined;
    if (state === undefined || !state.open) {
      if (state !== undefined && latestMs - state.closedAtMs < this.settings.reopenWithinMs) {
        kind = 'reopened';
        state.reopenCount++;
        state.open = true;
        state.closedAtMs = NaN;
      } else {
        if (state !== undefined) this.heap.remove(state);
        kind = 'opened';
        state = {
          dueMs: 0,
          ruleIndex: r,
          caller,
          heapIndex: -1,
          openedAtMs: latestMs,
          sequence: 0,
          reopenCount: 0,
          open: true,
          severity,
          peakSeverity: severity,
          triggerWindowMs: 0,
          quietFromMs: metUntilMs,
          closedAtMs: NaN,
          lastEventAtMs: latestMs,
          figures: [],
        };
        book.set(caller, state);
      }
    } else if (severity > state.peakSeverity) {
      kind = 'escalated';
    } else if (
      latestMs - state.lastEventAtMs >= this.settings.updateEveryMs &&
      this.figuresMoved(state, figures)
    ) {
      kind = 'updated';
    }
    state.quietFromMs = metUntilMs;
    this.reschedule(state);
    if (kind === undefined) return;
    state.severity = severity;
    if (severity > state.peakSeverity) state.peakSeverity = severity;
    state.lastEventAtMs = latestMs;
    state.figures = this.figuresOf(figures);
    out.push(this.emit(state, kind, latestMs, this.evaluatedEvidence(r, latestMs, figures)));
  }

  /** Evidence at T from the engine's counters (equal to `windowsAt` over the held calls, without reading them). */
  private evaluatedEvidence(r: number, latestMs: number, figures: EvaluatedWindows): Evidence {
    const windows: CaseWindowEvidence[] = [];
    const stats: WindowStats[] = [];
    const severities: number[] = [];
    this.windowsMs.forEach((windowMs, k) => {
      const callCount = figures.count[k]!;
      const totalDurationSeconds = figures.sum[k]!;
      const first = figures.firstEventAt(k);
      const severity = figures.severities[k]!;
      severities.push(severity);
      stats.push({ windowMs, callCount, distinctCallees: figures.distinct[k]!, totalDurationSeconds });
      windows.push({
        windowMs,
        callCount,
        distinctCallees: figures.distinct[k]!,
        totalDurationSeconds,
        avgDurationSeconds: callCount === 0 ? 0 : totalDurationSeconds / callCount,
        firstEventAtMs: Number.isNaN(first) ? null : first,
        lastEventAtMs: callCount === 0 ? null : latestMs,
        severity: severity < 0 ? null : severityName(severity),
      });
    });
    const k = Math.max(0, triggerWindow(severities));
    const sample = figures.recentCallees(latestMs - this.windowsMs[k]!, CALLEE_SAMPLE_SIZE).map(String);
    return { at: { windows, severities, stats }, sample, k, evidenceAtMs: latestMs };
  }

  /** Evidence for a `closed` event, from the calls the caller still holds. */
  private closingEvidence(state: CaseState, atMs: number, source: CaseEventSource): Evidence {
    const prepared = this.prepared[state.ruleIndex]!;
    const evidenceAtMs = Math.max(atMs, source.latestAt(state.caller));
    const held = source.held(state.caller);
    const at = windowsAt(prepared, this.windowsMs, held, evidenceAtMs);
    const k = Math.max(0, this.windowsMs.indexOf(state.triggerWindowMs));
    return { at, sample: calleeSample(held, this.windowsMs[k]!, evidenceAtMs), k, evidenceAtMs };
  }

  /** Closes every open case whose quiet period ended by `clockMs`, forgets closed ones past reopening. */
  tick(clockMs: number, source: CaseEventSource, out: CaseEvent[]): void {
    for (
      let state = this.heap.peek();
      state !== undefined && state.dueMs <= clockMs;
      state = this.heap.peek()
    ) {
      const due = this.dueOf(state);
      if (due > state.dueMs) {
        // Its key was a lower bound (see `reschedule`): put it where it belongs and look at the top again.
        state.dueMs = due;
        this.heap.schedule(state);
        continue;
      }
      if (!state.open) {
        this.heap.remove(state);
        this.books[state.ruleIndex]!.delete(state.caller);
        continue;
      }
      const closedAtMs = state.dueMs;
      state.open = false;
      state.closedAtMs = closedAtMs;
      this.reschedule(state);
      out.push(this.emit(state, 'closed', closedAtMs, this.closingEvidence(state, closedAtMs, source)));
    }
  }

  /** Every case, for snapshots. */
  *entries(): IterableIterator<CaseState> {
    for (const book of this.books) yield* book.values();
  }

  /** Puts back a snapshotted case (before `configure`, which schedules it). */
  restore(state: CaseState): void {
    this.books[state.ruleIndex]!.set(state.caller, state);
    state.dueMs = this.dueOf(state);
    this.heap.schedule(state);
  }

  private blocked(caller: number, latestMs: number): boolean {
    if (this.allowlist.has(caller)) return true;
    const until = this.suppressions.size === 0 ? undefined : this.suppressions.get(caller);
    return until !== undefined && latestMs < until;
  }

  private dueOf(state: CaseState): number {
    return state.open
      ? state.quietFromMs + this.settings.quietPeriodMs
      : state.closedAtMs + this.settings.reopenWithinMs;
  }

  /**
   * Keeps the heap key a lower bound of the case's due time. A met suspect's due time moves later with almost
   * every call: that only updates the state, and the key is fixed when it reaches the top of the heap. An earlier
   * due time is sifted at once. Cases still fire in (due, rule, caller) order: a case fires only when its key is
   * its due time and it is the heap's minimum, and every other key is at most its own due time.
   */
  private reschedule(state: CaseState): void {
    const due = this.dueOf(state);
    if (state.heapIndex >= 0 && due >= state.dueMs) return;
    state.dueMs = due;
    this.heap.schedule(state);
  }

  private figuresOf(figures: EvaluatedWindows): number[] {
    const list: number[] = [];
    for (let k = 0; k < this.windowsMs.length; k++)
      list.push(figures.count[k]!, figures.distinct[k]!, figures.sum[k]!);
    return list;
  }

  private figuresMoved(state: CaseState, figures: EvaluatedWindows): boolean {
    const last = state.figures;
    for (let k = 0; k < this.windowsMs.length; k++) {
      if (
        last[3 * k] !== figures.count[k] ||
        last[3 * k + 1] !== figures.distinct[k] ||
        last[3 * k + 2] !== figures.sum[k]
      )
        return true;
    }
    return false;
  }

  /**
   * Builds the event with its evidence. A `closed` event shows the windows at the later of the close and the
   * caller's latest call (the engine no longer holds calls that left every window before its T); a caller no
   * longer held at all when the clock closes its case (a lowered quiet period can move a close into the past)
   * shows empty windows.
   */
  private emit(state: CaseState, kind: CaseEventKind, atMs: number, evidence: Evidence): CaseEvent {
    const rule = this.rules[state.ruleIndex]!;
    const prepared = this.prepared[state.ruleIndex]!;
    const caller = state.caller;
    const { at, k } = evidence;
    const triggerWindowMs = this.windowsMs[k]!;
    if (kind !== 'closed') state.triggerWindowMs = triggerWindowMs;
    const caseKey = `${rule.id}:${caller}:${state.openedAtMs}`;
    const sequence = state.sequence++;
    return {
      caseKey,
      eventKey: `${caseKey}:${sequence}`,
      sequence,
      kind,
      rule: rule.id,
      alertType: rule.alertType,
      detectionRule: rule.detectionRule,
      suspectNumber: String(caller),
      severity: severityName(state.severity),
      peakSeverity: severityName(state.peakSeverity),
      triggerWindowMs,
      atMs,
      openedAtMs: state.openedAtMs,
      reopenCount: state.reopenCount,
      windows: at.windows,
      calleeSample: evidence.sample,
      thresholds: (prepared.thresholds ?? []).map((t) => ({ ...t })),
      evidenceSummary: prepared.summarize(caller, at.stats[k]!),
    };
  }
}
