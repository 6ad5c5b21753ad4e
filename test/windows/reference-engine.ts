/**
 * The brute-force reference for the window engine: every event in a plain array per caller, stats recomputed
 * by filtering on every event, severity and summaries re-implemented from the spec (not imported), episodes
 * in a Map. Slow and obviously correct; the property tests require the engine to match it exactly.
 *
 * Event time (ADR 0011): a caller is held while its latest event + longest window is after the watermark
 * (partition clock − feed delay); a record is late when older than the watermark, or, for a held caller, older
 * than its own latest − lateness. The clock is the latest min(event time, arrival time) of an
 * accepted record. Callers that are no longer held are deleted on sight, not by a sweep.
 */
import type { AlertEvent, RuleSettings, Severity } from '../../src/windows/index.js';

interface RefEvent {
  callee: number;
  t: number;
  duration: number;
}

interface RefEpisode {
  startMs: number;
  emissions: number;
  severity: number;
  lastEmittedAtMs: number;
}

interface RefCaller {
  latestMs: number;
  events: RefEvent[];
  episodes: Map<number, RefEpisode>;
}

export interface RefWindowStats {
  windowMs: number;
  callCount: number;
  distinctCallees: number;
  totalDurationSeconds: number;
  firstEventAtMs: number | null;
  lastEventAtMs: number | null;
}

const SEVERITY_NAMES: Severity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

export function refSeverity(distinct: number, avg: number): number {
  if (distinct >= 200 && avg <= 1.5) return 3;
  if (distinct >= 100 && avg <= 2) return 2;
  if (distinct >= 75 || avg <= 1) return 1;
  return 0;
}

export function refLabel(windowMs: number): string {
  const units: [number, string][] = [
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
    [1, 'ms'],
  ];
  const [size, unit] = units.find(([size]) => windowMs % size === 0)!;
  return `${windowMs / size}${unit}`;
}

const isPositiveInteger = (x: number): boolean => Number.isSafeInteger(x) && x > 0;

export class ReferenceEngine {
  private clockMs = -Infinity;
  private readonly feedDelayMs: number;
  private readonly callers = new Map<number, RefCaller>();
  private settings!: RuleSettings;

  constructor(
    private readonly windowsMs: readonly number[],
    private readonly latenessMs: number,
    settings: RuleSettings,
    /** @default max(latenessMs, 1 h) */
    feedDelayMs?: number,
  ) {
    this.feedDelayMs = feedDelayMs ?? Math.max(latenessMs, 3_600_000);
    this.setRules(settings);
  }

  watermarkMs(): number {
    return this.clockMs - this.feedDelayMs;
  }

  /** The caller's record if it is still held: its latest event + longest window after the watermark. */
  private held(caller: number): RefCaller | undefined {
    const record = this.callers.get(caller);
    if (record === undefined) return undefined;
    if (record.latestMs + this.longestMs > this.watermarkMs()) return record;
    this.callers.delete(caller);
    return undefined;
  }

  private get longestMs(): number {
    return this.windowsMs[this.windowsMs.length - 1]!;
  }

  private allowlisted(caller: number): boolean {
    const digits = String(caller);
    return this.settings.allowlist.some((entry) =>
      entry.endsWith('*') ? digits.startsWith(entry.slice(0, -1)) : digits === entry,
    );
  }

  setRules(settings: RuleSettings): void {
    this.settings = settings;
    for (const [caller, record] of this.callers) {
      for (const k of [...record.episodes.keys()]) {
        const watched = settings.sdhf.some((entry) => entry.windowMs === this.windowsMs[k]);
        if (!watched || this.allowlisted(caller)) record.episodes.delete(k);
      }
    }
  }

  process(
    caller: number,
    callee: number,
    t: number,
    duration: number,
    out: AlertEvent[],
    arrivedAtMs = Infinity,
  ): string {
    if (
      !isPositiveInteger(caller) ||
      !isPositiveInteger(callee) ||
      !Number.isSafeInteger(t) ||
      t < 0 ||
      t > 8.64e15 ||
      !Number.isSafeInteger(duration) ||
      duration < 0 ||
      duration > 86_400
    ) {
      return 'invalid';
    }
    const known = this.held(caller);
    if (t < this.watermarkMs() || (known !== undefined && t < known.latestMs - this.latenessMs))
      return 'late';
    this.clockMs = Math.max(this.clockMs, Math.min(t, arrivedAtMs));
    let record = this.held(caller);
    if (record === undefined) {
      record = { latestMs: t, events: [], episodes: new Map() };
      this.callers.set(caller, record);
    }
    record.events.push({ callee, t, duration });
    record.latestMs = Math.max(record.latestMs, t);
    // T never decreases, so an event at or before T − longest window can never count again: drop it to
    // keep the reference fast on long streams (it changes no result).
    const horizon = record.latestMs - this.longestMs;
    if (record.events.length > 64 && record.events[0]!.t <= horizon) {
      record.events = record.events.filter((e) => e.t > horizon);
    }
    this.evaluate(caller, record, out);
    return 'windowed';
  }

  windowStats(record: RefCaller, windowMs: number): RefWindowStats {
    const inside = record.events.filter((e) => e.t > record.latestMs - windowMs && e.t <= record.latestMs);
    return {
      windowMs,
      callCount: inside.length,
      distinctCallees: new Set(inside.map((e) => e.callee)).size,
      totalDurationSeconds: inside.reduce((total, e) => total + e.duration, 0),
      firstEventAtMs: inside.length === 0 ? null : Math.min(...inside.map((e) => e.t)),
      lastEventAtMs: inside.length === 0 ? null : Math.max(...inside.map((e) => e.t)),
    };
  }

  callerStats(
    caller: number,
  ): { latestEventAtMs: number; windows: RefWindowStats[]; episodes: string[] } | undefined {
    const record = this.held(caller);
    if (record === undefined) return undefined;
    return {
      latestEventAtMs: record.latestMs,
      windows: this.windowsMs.map((windowMs) => this.windowStats(record, windowMs)),
      episodes: [...record.episodes.entries()]
        .sort(([a], [b]) => a - b)
        .map(
          ([k, e]) => `sdhf:${this.windowsMs[k]! / 1000}:${caller}:${e.startMs}/${e.emissions}/${e.severity}`,
        ),
    };
  }

  private evaluate(caller: number, record: RefCaller, out: AlertEvent[]): void {
    this.windowsMs.forEach((windowMs, k) => {
      const thresholds = this.settings.sdhf.find((entry) => entry.windowMs === windowMs);
      const stats = this.windowStats(record, windowMs);
      const avg = stats.totalDurationSeconds / stats.callCount;
      const holds =
        thresholds !== undefined &&
        stats.distinctCallees > thresholds.minDistinctCallees &&
        avg < thresholds.maxAvgDurationSeconds;
      const episode = record.episodes.get(k);
      if (!holds) {
        record.episodes.delete(k);
        return;
      }
      const severity = refSeverity(stats.distinctCallees, avg);
      const T = record.latestMs;
      let reason: AlertEvent['reason'];
      let current: RefEpisode;
      if (episode === undefined) {
        if (this.allowlisted(caller)) return;
        current = { startMs: T, emissions: 0, severity, lastEmittedAtMs: T };
        record.episodes.set(k, current);
        reason = 'opened';
      } else if (severity > episode.severity) {
        current = episode;
        reason = 'escalated';
      } else if (T - episode.lastEmittedAtMs >= this.settings.cooldownMs) {
        current = episode;
        reason = 'cooldown';
      } else {
        return;
      }
      current.severity = severity;
      current.lastEmittedAtMs = T;
      const episodeKey = `sdhf:${windowMs / 1000}:${caller}:${current.startMs}`;
      out.push({
        alertKey: `${episodeKey}:${current.emissions}`,
        episodeKey,
        rule: 'sdhf',
        alertType: 'SDHF_SIMBOX',
        detectionRule: 'SDHF_001',
        windowSeconds: windowMs / 1000,
        suspectNumber: String(caller),
        severity: SEVERITY_NAMES[severity]!,
        reason,
        callCount: stats.callCount,
        uniqueDestinations: stats.distinctCallees,
        avgDurationSeconds: avg,
        totalDurationSeconds: stats.totalDurationSeconds,
        windowStartMs: T - windowMs,
        windowEndMs: T,
        firstEventAtMs: stats.firstEventAtMs!,
        lastEventAtMs: stats.lastEventAtMs!,
        evidenceSummary:
          `Caller ${caller} made ${stats.callCount} calls to ${stats.distinctCallees} distinct numbers in ` +
          `${refLabel(windowMs)}, avg duration ${avg.toFixed(1)}s`,
      });
      current.emissions++;
    });
  }
}
