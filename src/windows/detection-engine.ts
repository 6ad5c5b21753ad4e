/**
 * The detection engine: event-time windows per caller, rules over them, and the alert lifecycle. A pure
 * library: no I/O, no timers, no clock of its own; time is the events' own, bounded by the arrival times the
 * caller passes in. See docs/adr/0002-window-engine.md and docs/adr/0011-event-time-per-caller.md.
 *
 * Per event: validate → caller lookup → late check (behind the watermark, or behind the caller's own latest
 * event time − lateness) → advance the partition clock → forget the caller if everything it held left every
 * window → window update → rules (skipped for callers too quiet to match) → sweep a couple of caller
 * slots for idle callers. Nothing on this path allocates unless an alert or a case event is emitted.
 * Cases (case-tracker.ts) are stepped after each evaluation and closed as the watermark passes their due time.
 */
import { AlertLifecycle } from './alert-lifecycle.js';
import type { AlertEvent } from './alert-types.js';
import { Allowlist } from './allowlist.js';
import { CaseTracker, type CaseEventSource, type EvaluatedWindows } from './case-tracker.js';
import type { CaseEvent } from './case-types.js';
import type { CallerStats, CallerWindowStats, EngineFootprint } from './caller-stats.js';
import * as callerRecord from './caller-record.js';
import {
  resolveEngineOptions,
  validateRuleSettings,
  type ResolvedEngineOptions,
  type RuleSettings,
  type WindowEngineOptions,
} from './engine-options.js';
import { readSnapshot, writeSnapshot, type RestoredEngineState } from './engine-snapshot.js';
import {
  OUTCOME_INVALID,
  OUTCOME_LATE,
  OUTCOME_NAMES,
  OUTCOME_WINDOWED,
  type EventOutcome,
} from './event-outcome.js';
import type { PreparedRule, Rule, WindowStats } from './rule.js';
import { sdhfRule } from './sdhf-rule.js';
import { censusOf, type StoreCensus } from './store-census.js';
import { WindowStore } from './window-store.js';
import { SnapshotError } from './errors.js';

// Module-local copies, so that V8 compiles them into the code (see caller-record.ts).
const { CALLER_F64, LATEST_F64, SLOT_F64 } = callerRecord;

/** Caller slots examined for idle callers per event: a full sweep every ~capacity/2 events, no pauses. */
const SWEEP_SLOTS_PER_EVENT = 2;
const MAX_DURATION_SECONDS = 86_400;
/** Latest valid event time: the end of the ECMAScript Date range. */
const MAX_TIME_MS = 8.64e15;

export interface DetectionEngineExtras {
  /** Rules to run, in order. @default [sdhfRule] */
  rules?: readonly Rule[];
}

export class DetectionEngine {
  private readonly options: ResolvedEngineOptions;
  private readonly store: WindowStore;
  private readonly lifecycle = new AlertLifecycle();
  private readonly cases: CaseTracker;
  private readonly caseSource: CaseEventSource;
  private readonly evaluated: EvaluatedWindows;
  /** The slot `evaluated.nthNewestAt` reads. */
  private evaluatedSlot = -1;
  /** Case events of the last `process` call. */
  private readonly caseEventsOut: CaseEvent[] = [];
  private readonly rules: readonly Rule[];
  private prepared: PreparedRule[] = [];
  private allowlist = new Allowlist([]);
  private cooldownMs = 0;
  /** Fewest calls in a window with which any rule can hold; quieter callers skip evaluation. */
  private minCallsAny = Infinity;
  /** Partition clock: the latest min(event time, arrival time) of an accepted event; −∞ before the first. */
  private clockMs = -Infinity;
  private sweepHand = 0;
  private readonly count: Float64Array;
  private readonly distinct: Float64Array;
  private readonly sum: Float64Array;
  private readonly stats: WindowStats = {
    windowMs: 0,
    callCount: 0,
    distinctCallees: 0,
    totalDurationSeconds: 0,
  };

  constructor(
    options: WindowEngineOptions,
    settings: RuleSettings,
    extras: DetectionEngineExtras = {},
    /** @internal used by `restore` */
    restored?: RestoredEngineState,
  ) {
    this.options = restored?.options ?? resolveEngineOptions(options);
    this.rules = extras.rules ?? [sdhfRule];
    const ids = new Set(this.rules.map((rule) => rule.id));
    if (ids.size !== this.rules.length) throw new TypeError('extras.rules must have unique ids');
    this.store = new WindowStore(this.options, restored?.store);
    const windowCount = this.options.windowsMs.length;
    this.count = new Float64Array(windowCount);
    this.distinct = new Float64Array(windowCount);
    this.sum = new Float64Array(windowCount);
    const store = this.store;
    this.evaluated = {
      severities: new Int32Array(windowCount),
      count: this.count,
      distinct: this.distinct,
      sum: this.sum,
      nthNewestAt: (n) => store.nthNewestAt(this.evaluatedSlot, n),
      firstEventAt: (k) => store.firstEventAt(this.evaluatedSlot, k),
      recentCallees: (sinceMs, max) => store.recentCallees(this.evaluatedSlot, sinceMs, max),
    };
    // A caller whose every call left the longest window by the clock holds nothing, reclaimed yet or not (the
    // sweep is incremental), as in `callerStats`: case evidence never depends on where the sweep hand is.
    const heldSlot = (caller: number): number => {
      const slot = store.callers.find(caller);
      return slot >= 0 && store.latestAt(slot) + store.longestMs > this.watermarkMs() ? slot : -1;
    };
    this.caseSource = {
      latestAt: (caller) => {
        const slot = heldSlot(caller);
        return slot < 0 ? -Infinity : store.latestAt(slot);
      },
      held: (caller) => {
        const slot = heldSlot(caller);
        const held: { callee: number; t: number; duration: number }[] = [];
        if (slot >= 0) store.heldEvents(slot, held);
        return held;
      },
    };
    this.cases = new CaseTracker(this.rules, this.options.windowsMs);
    if (restored !== undefined) {
      this.clockMs = restored.clockMs;
      this.sweepHand = restored.sweepHand;
      for (const { caller, slotIndex, episode } of restored.episodes)
        this.lifecycle.restore(caller, slotIndex, episode);
      for (const state of restored.cases) this.cases.restore(state);
    }
    this.setRules(settings);
  }

  /**
   * One event. Appends any alert events to `alertsOut` (usually none). `arrivedAtMs` is the wall-clock time the
   * record arrived (the worker passes the stream's stored timestamp, so a replay decides exactly as the live
   * run did): the partition clock never moves past it, so a record stamped ahead of the wall clock cannot
   * advance it. +∞ (the default) leaves the clock to event time alone. Case events: `lastCaseEvents`.
   */
  process(
    caller: number,
    callee: number,
    startMs: number,
    durationSeconds: number,
    alertsOut: AlertEvent[],
    arrivedAtMs = Infinity,
  ): EventOutcome {
    if (this.caseEventsOut.length !== 0) this.caseEventsOut.length = 0;
    return OUTCOME_NAMES[
      this.apply(caller, callee, startMs, durationSeconds, alertsOut, arrivedAtMs, this.caseEventsOut)
    ]!;
  }

  /**
   * The case events of the last `process` call, in order (usually none). They may concern other callers than
   * the event's: the clock that event moved closes cases whose quiet period ended. Valid until the next call.
   */
  get lastCaseEvents(): readonly CaseEvent[] {
    return this.caseEventsOut;
  }

  /** Replaces thresholds, allowlist and cooldown; window state is untouched. Throws `RuleSettingsError`. */
  setRules(settings: RuleSettings): void {
    const windowsMs = this.options.windowsMs;
    validateRuleSettings(settings, windowsMs);
    const prepared = this.rules.map((rule) => rule.prepare(settings, windowsMs));
    const allowlist = new Allowlist(settings.allowlist);
    this.prepared = prepared;
    this.allowlist = allowlist;
    this.cooldownMs = settings.cooldownMs;
    this.cases.configure(prepared, settings, allowlist);
    this.minCallsAny = Math.min(Infinity, ...prepared.flatMap((rule) => rule.minCallsByWindow));
    // Allowlisted callers and windows a rule no longer watches lose their episodes, silently.
    this.lifecycle.retain((caller, slotIndex) => {
      const rule = prepared[Math.floor(slotIndex / windowsMs.length)];
      const watched = rule !== undefined && rule.minCallsByWindow[slotIndex % windowsMs.length] !== Infinity;
      return watched && !allowlist.has(caller);
    });
  }

  /**
   * Partition clock − feed delay; −∞ before the first event. Any record older than it is late, and a caller
   * whose latest event + longest window is at or before it is no longer held.
   */
  watermarkMs(): number {
    return this.clockMs - this.options.feedDelayMs;
  }

  /** The partition clock: the latest min(event time, arrival time) of an accepted event; −∞ before the first. */
  partitionClockMs(): number {
    return this.clockMs;
  }

  /** Live stats for one caller in every window at the caller's T; undefined if it holds nothing. */
  callerStats(caller: number): CallerStats | undefined {
    const store = this.store;
    const slot = store.callers.find(caller);
    if (slot < 0) return undefined;
    const latestMs = store.latestAt(slot);
    if (latestMs + store.longestMs <= this.watermarkMs()) return undefined;
    store.loadStats(slot, this.count, this.distinct, this.sum);
    const windows: CallerWindowStats[] = this.options.windowsMs.map((windowMs, k) => {
      const callCount = this.count[k]!;
      const first = store.firstEventAt(slot, k);
      return {
        windowMs,
        callCount,
        distinctCallees: this.distinct[k]!,
        totalDurationSeconds: this.sum[k]!,
        avgDurationSeconds: callCount === 0 ? 0 : this.sum[k]! / callCount,
        windowStartMs: latestMs - windowMs,
        windowEndMs: latestMs,
        firstEventAtMs: Number.isNaN(first) ? null : first,
        lastEventAtMs: callCount === 0 ? null : latestMs,
      };
    });
    return {
      caller,
      latestEventAtMs: latestMs,
      windows,
      openEpisodes: this.lifecycle.openEpisodesOf(caller, this.rules, this.options.windowsMs),
    };
  }

  footprint(): EngineFootprint {
    const store = this.store;
    return {
      callers: store.callers.size,
      eventsHeld: store.eventsHeld,
      bytes: store.bytes(),
      callerTableBytes: store.callers.bytes,
      slabLiveBytes: store.liveSlabBytes(),
      callersWithOpenEpisodes: this.lifecycle.size,
      cases: this.cases.size,
    };
  }

  /** Where the window state's bytes go, by purpose. Walks every caller: for benchmarks and diagnostics. */
  storeCensus(): StoreCensus {
    return censusOf(this.store);
  }

  /** The window lengths, lateness and feed delay this engine runs with: fixed for its life, kept in snapshots. */
  windowOptions(): { windowsMs: readonly number[]; allowedLatenessMs: number; feedDelayMs: number } {
    const { windowsMs, allowedLatenessMs, feedDelayMs } = this.options;
    return { windowsMs, allowedLatenessMs, feedDelayMs };
  }

  /** The whole state as bytes (rules and settings excepted). Little-endian; the slab is copied as is. */
  snapshot(): Uint8Array {
    return writeSnapshot({
      options: this.options,
      clockMs: this.clockMs,
      sweepHand: this.sweepHand,
      store: { callers: this.store.callers, slab: this.store.slab, eventsHeld: this.store.eventsHeld },
      ruleIds: this.rules.map((rule) => rule.id),
      lifecycle: this.lifecycle,
      cases: this.cases.entries(),
    });
  }

  /** An engine that continues exactly where the snapshotted one was. Throws `SnapshotError`. */
  static restore(
    bytes: Uint8Array,
    settings: RuleSettings,
    extras: DetectionEngineExtras = {},
  ): DetectionEngine {
    const state = readSnapshot(bytes);
    const ruleIds = (extras.rules ?? [sdhfRule]).map((rule) => rule.id);
    if (ruleIds.join(',') !== state.ruleIds.join(',')) {
      throw new SnapshotError(
        `snapshot was taken with rules [${state.ruleIds.join(', ')}], not [${ruleIds.join(', ')}]`,
      );
    }
    return new DetectionEngine(state.options, settings, extras, state);
  }

  private apply(
    caller: number,
    callee: number,
    t: number,
    durationSeconds: number,
    alertsOut: AlertEvent[],
    arrivedAtMs: number,
    casesOut: CaseEvent[],
  ): number {
    if (
      !(caller > 0 && caller <= Number.MAX_SAFE_INTEGER && Math.floor(caller) === caller) ||
      !(callee > 0 && callee <= Number.MAX_SAFE_INTEGER && Math.floor(callee) === callee) ||
      !(t >= 0 && t <= MAX_TIME_MS && Math.floor(t) === t) ||
      !(
        durationSeconds >= 0 &&
        durationSeconds <= MAX_DURATION_SECONDS &&
        Math.floor(durationSeconds) === durationSeconds
      )
    ) {
      return OUTCOME_INVALID;
    }
    const store = this.store;
    const feedDelayMs = this.options.feedDelayMs;
    const slot = store.callers.findOrInsert(caller);
    const latestMs = store.latestAt(slot);
    // Lateness is judged where order holds, the caller's own T while it is held; and nothing is windowed behind
    // the watermark, at or before which every caller that is no longer held had its latest event + longest
    // window (so a reclaimed caller cannot come back with a wrong count, and a replay of longest window + feed
    // delay rebuilds every window a later record can see).
    const watermarkBefore = this.clockMs - feedDelayMs;
    const held = latestMs + store.longestMs > watermarkBefore;
    if (t < watermarkBefore || (held && t < latestMs - this.options.allowedLatenessMs)) {
      if (latestMs === -Infinity) store.callers.remove(slot); // inserted just now: leave no trace
      return OUTCOME_LATE;
    }
    // The partition clock follows event time but never passes the record's arrival time.
    const bounded = t < arrivedAtMs ? t : arrivedAtMs;
    if (bounded > this.clockMs) this.clockMs = bounded;
    const watermark = this.clockMs - feedDelayMs;
    this.cases.tick(watermark, this.caseSource, casesOut);
    // Everything the caller held left every window for good: start afresh (episodes included).
    if (latestMs + store.longestMs <= watermark && latestMs !== -Infinity) {
      if (store.hasEpisodes(slot)) this.lifecycle.forget(caller);
      store.reset(slot);
    }
    store.update(slot, callee, t, durationSeconds);
    if (store.hasEpisodes(slot) || store.heldUpperBound(slot) >= this.minCallsAny) {
      this.evaluate(slot, caller, alertsOut, casesOut);
    }
    this.sweep(watermark);
    return OUTCOME_WINDOWED;
  }

  private evaluate(slot: number, caller: number, alertsOut: AlertEvent[], casesOut: CaseEvent[]): void {
    const store = this.store;
    const windowsMs = this.options.windowsMs;
    const windowCount = windowsMs.length;
    store.loadStats(slot, this.count, this.distinct, this.sum);
    const latestMs = store.latestAt(slot);
    const episodes = store.hasEpisodes(slot) ? this.lifecycle.episodesOf(caller) : undefined;
    const stats = this.stats;
    const severities = this.evaluated.severities;
    for (let r = 0; r < this.prepared.length; r++) {
      const prepared = this.prepared[r]!;
      const minCalls = prepared.minCallsByWindow;
      let anyMet = false;
      for (let k = 0; k < windowCount; k++) {
        const slotIndex = r * windowCount + k;
        const open = episodes !== undefined && episodes[slotIndex] !== undefined;
        severities[k] = -1;
        if (!open && this.count[k]! < minCalls[k]!) continue;
        stats.windowMs = windowsMs[k]!;
        stats.callCount = this.count[k]!;
        stats.distinctCallees = this.distinct[k]!;
        stats.totalDurationSeconds = this.sum[k]!;
        const severity = prepared.evaluate(k, stats);
        severities[k] = severity;
        if (severity >= 0) anyMet = true;
        if (!open && (severity < 0 || this.allowlist.has(caller))) continue;
        const episode = this.lifecycle.step(caller, slotIndex, severity, latestMs, this.cooldownMs);
        if (episode === undefined) continue;
        const firstEventAtMs = store.firstEventAt(slot, k);
        const summary = prepared.summarize(caller, stats);
        alertsOut.push(
          this.lifecycle.toAlertEvent(
            this.rules[r]!,
            caller,
            episode,
            stats,
            latestMs,
            firstEventAtMs,
            summary,
          ),
        );
      }
      if (anyMet || this.cases.has(r, caller)) {
        this.evaluatedSlot = slot;
        this.cases.evaluate(r, caller, latestMs, this.evaluated, this.caseSource, casesOut);
      }
    }
    store.setEpisodes(slot, this.lifecycle.episodesOf(caller) !== undefined);
  }

  /** Reclaims callers whose every event left every window and the feed delay (T + longest window ≤ watermark). */
  private sweep(watermark: number): void {
    const store = this.store;
    const callers = store.callers;
    const longestMs = store.longestMs;
    let hand = this.sweepHand;
    for (let budget = SWEEP_SLOTS_PER_EVENT; budget > 0; budget--) {
      if (hand >= callers.capacity) hand = 0;
      const key = callers.f64[hand * SLOT_F64 + CALLER_F64]!;
      if (key !== 0 && callers.f64[hand * SLOT_F64 + LATEST_F64]! + longestMs <= watermark) {
        if (store.hasEpisodes(hand)) this.lifecycle.forget(key);
        store.reclaim(hand); // a later record may shift into this slot: look at it again
      } else {
        hand++;
      }
    }
    this.sweepHand = hand;
  }
}
