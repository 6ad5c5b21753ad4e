/**
 * The main thread's view of every source (switch): the workers' per-source tallies are added to the
 * Prometheus counters and to a sliding window of recent slots, from which detailed health reads each source's
 * records, rejected share, late records and clock-skew p50/p99, and decides whether a source is degraded.
 *
 * The window is `windowMs` long, cut into ten slots: figures cover between nine and ten tenths of it, and a
 * source that stops sending bad records recovers at most one window later.
 */
import type { Counter } from 'prom-client';
import { SkewHistogram } from './skew-histogram.js';
import { SourceLabels, type SourceTally } from './source-labels.js';

export interface SourceHealthOptions {
  /** Distinct sources with their own label per process (SOURCE_LABELS_MAX). */
  maxLabels: number;
  /** A source whose rejected share in the window is above this degrades health (SOURCE_REJECTED_SHARE_MAX). */
  rejectedShareMax: number;
  /** ... once it sent at least this many records in the window (SOURCE_REJECTED_MIN_RECORDS). */
  minRecords: number;
  /** The recent interval health judges (SOURCE_HEALTH_WINDOW). */
  windowMs: number;
}

export const DEFAULT_SOURCE_HEALTH: SourceHealthOptions = {
  maxLabels: 100,
  rejectedShareMax: 0.05,
  minRecords: 100,
  windowMs: 600_000,
};

/** One source's figures over the window. */
export interface SourceFigures {
  source: string;
  /** Accepted + rejected. */
  records: number;
  accepted: number;
  rejected: number;
  /** rejected / records (0 without records). */
  rejectedShare: number;
  late: number;
  /** Arrival − start of the accepted records, seconds; null without accepted records. */
  skewP50Seconds: number | null;
  skewP99Seconds: number | null;
  /** The most frequent rejection reason, null without rejections. */
  topReason: string | null;
  /** Rejected share above the limit with at least the minimum records. */
  degraded: boolean;
}

export interface SourceHealthSnapshot {
  windowSeconds: number;
  rejectedShareMax: number;
  minRecords: number;
  /** Every source with records in the window, most records first. */
  sources: SourceFigures[];
}

export interface SourceCounters {
  records: Counter<string>;
  rejected: Counter<string>;
  late: Counter<string>;
}

interface WindowTally {
  accepted: number;
  late: number;
  rejected: Map<string, number>;
  skew: SkewHistogram;
}

const SLOTS = 10;

function emptyTally(): WindowTally {
  return { accepted: 0, late: 0, rejected: new Map(), skew: new SkewHistogram() };
}

export class SourceTable {
  private readonly labels: SourceLabels;
  private readonly slotMs: number;
  /** Slot number (time / slotMs) → per-source tallies of that slot. */
  private readonly slots = new Map<number, Map<string, WindowTally>>();

  constructor(
    readonly options: SourceHealthOptions,
    private readonly counters?: SourceCounters,
  ) {
    this.labels = new SourceLabels(options.maxLabels);
    this.slotMs = Math.max(1, Math.floor(options.windowMs / SLOTS));
  }

  /** Adds one worker report's tallies (labels bounded again here: the process-wide `maxLabels`). */
  apply(tallies: readonly SourceTally[], nowMs = Date.now()): void {
    if (tallies.length === 0) return;
    const slot = this.slot(nowMs);
    for (const tally of tallies) {
      const source = this.labels.labelOf(tally.source);
      let window = slot.get(source);
      if (window === undefined) slot.set(source, (window = emptyTally()));
      window.accepted += tally.accepted;
      window.late += tally.late;
      window.skew.addPairs(tally.skew);
      let rejected = 0;
      for (const [reason, count] of tally.rejected) {
        window.rejected.set(reason, (window.rejected.get(reason) ?? 0) + count);
        rejected += count;
        this.counters?.rejected.inc({ source, reason }, count);
      }
      if (this.counters === undefined) continue;
      if (tally.accepted > 0) this.counters.records.inc({ source, outcome: 'accepted' }, tally.accepted);
      if (rejected > 0) this.counters.records.inc({ source, outcome: 'rejected' }, rejected);
      if (tally.late > 0) this.counters.late.inc({ source }, tally.late);
    }
  }

  snapshot(nowMs = Date.now()): SourceHealthSnapshot {
    this.prune(nowMs);
    const merged = new Map<string, WindowTally>();
    for (const slot of this.slots.values()) {
      for (const [source, tally] of slot) {
        let sum = merged.get(source);
        if (sum === undefined) merged.set(source, (sum = emptyTally()));
        sum.accepted += tally.accepted;
        sum.late += tally.late;
        sum.skew.addHistogram(tally.skew);
        for (const [reason, count] of tally.rejected)
          sum.rejected.set(reason, (sum.rejected.get(reason) ?? 0) + count);
      }
    }
    const sources = [...merged].map(([source, tally]) => this.figures(source, tally));
    sources.sort((a, b) => b.records - a.records || a.source.localeCompare(b.source));
    const { windowMs, rejectedShareMax, minRecords } = this.options;
    return { windowSeconds: windowMs / 1_000, rejectedShareMax, minRecords, sources };
  }

  private figures(source: string, tally: WindowTally): SourceFigures {
    let rejected = 0;
    let topReason: string | null = null;
    let topCount = 0;
    for (const [reason, count] of tally.rejected) {
      rejected += count;
      if (count > topCount || (count === topCount && topReason !== null && reason < topReason)) {
        topReason = reason;
        topCount = count;
      }
    }
    const records = tally.accepted + rejected;
    const rejectedShare = records === 0 ? 0 : rejected / records;
    const seconds = (ms: number | undefined): number | null => (ms === undefined ? null : ms / 1_000);
    return {
      source,
      records,
      accepted: tally.accepted,
      rejected,
      rejectedShare,
      late: tally.late,
      skewP50Seconds: seconds(tally.skew.quantileMs(0.5)),
      skewP99Seconds: seconds(tally.skew.quantileMs(0.99)),
      topReason,
      degraded: records >= this.options.minRecords && rejectedShare > this.options.rejectedShareMax,
    };
  }

  private slot(nowMs: number): Map<string, WindowTally> {
    this.prune(nowMs);
    const number = Math.floor(nowMs / this.slotMs);
    let slot = this.slots.get(number);
    if (slot === undefined) this.slots.set(number, (slot = new Map()));
    return slot;
  }

  /** Drops the slots that left the window. */
  private prune(nowMs: number): void {
    const oldest = Math.floor(nowMs / this.slotMs) - SLOTS + 1;
    for (const number of this.slots.keys()) if (number < oldest) this.slots.delete(number);
  }
}
