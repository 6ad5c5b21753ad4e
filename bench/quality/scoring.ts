/**
 * Scoring alerts against the generator's ground truth. A caller counts as alerted when it got at least one
 * alert; fraud classes are `sdhf` and `simbox` (each SIM of a box is its own caller), every other class is a
 * trap (a look-alike that must not alert) or an ordinary subscriber. Time to detect is simulated time from a
 * caller's pattern start to the moment the detector could tell: for the stream, the arrival of the record
 * that triggered its first alert; for the batch job, the hourly run that first flagged it.
 */
import type { CallerClass, GroundTruth } from '../../src/traffic/index.js';
import { round, summarizeLatencies, type LatencySummary } from '../pipeline/bench-stats.js';

export const FRAUD_CLASSES: readonly CallerClass[] = ['sdhf', 'simbox'];
const MINUTE_MS = 60_000;
/** Upper bounds of the time-to-detect histogram, minutes; the last bucket is "later". */
export const TTD_BUCKETS_MIN = [5, 15, 30, 60, 120, 360, 1_440] as const;

export interface DetectorView {
  /** Caller → simulated time it was first detected. */
  firstDetectedAt: Map<string, number>;
  /** Caller → alert messages (engine) or rows inserted (batch). */
  alertCounts: Map<string, number>;
}

export interface ClassScore {
  class: CallerClass;
  callers: number;
  alertedCallers: number;
  alerts: number;
  /** Fraud classes: alerted / callers. */
  recall: number | null;
  /** Other classes: alerted / callers (false-positive rate among them). */
  falsePositiveRate: number | null;
}

export interface TimeToDetect {
  detected: number;
  minutes: LatencySummary;
  /** Counts per bucket of TTD_BUCKETS_MIN, then "later", then "never". */
  histogram: number[];
}

export interface DetectorScore {
  classes: ClassScore[];
  /** Alerted callers that are fraud / all alerted callers. */
  precision: number | null;
  /** Share of boxes with at least one SIM alerted. */
  simBoxDevices: { devices: number; detected: number };
  timeToDetect: Record<string, TimeToDetect>;
}

export function scoreDetector(
  labels: GroundTruth,
  normalCallers: number,
  view: DetectorView,
  excluded: (caller: string) => boolean = () => false,
): DetectorScore {
  const classOf = new Map(labels.callers.map((c) => [c.number, c]));
  const classes = new Map<CallerClass, ClassScore>();
  const score = (cls: CallerClass): ClassScore => {
    let entry = classes.get(cls);
    if (entry === undefined) {
      entry = { class: cls, callers: 0, alertedCallers: 0, alerts: 0, recall: null, falsePositiveRate: null };
      classes.set(cls, entry);
    }
    return entry;
  };
  score('normal').callers = normalCallers;
  for (const caller of labels.callers) score(caller.class).callers++;
  let alertedFraud = 0;
  let alertedAll = 0;
  for (const [caller, count] of view.alertCounts) {
    if (excluded(caller)) continue;
    const cls = classOf.get(caller)?.class ?? 'normal';
    const entry = score(cls);
    entry.alertedCallers++;
    entry.alerts += count;
    alertedAll++;
    if (FRAUD_CLASSES.includes(cls)) alertedFraud++;
  }
  for (const entry of classes.values()) {
    const share = entry.callers === 0 ? null : round(entry.alertedCallers / entry.callers, 4);
    if (FRAUD_CLASSES.includes(entry.class)) entry.recall = share;
    else entry.falsePositiveRate = share;
  }
  const devices = new Map<string, boolean>();
  const ttd = new Map<CallerClass, number[]>();
  const never = new Map<CallerClass, number>();
  for (const caller of labels.callers) {
    if (!FRAUD_CLASSES.includes(caller.class)) continue;
    const detectedAt = view.firstDetectedAt.get(caller.number);
    if (caller.class === 'simbox' && caller.device !== undefined) {
      devices.set(caller.device, (devices.get(caller.device) ?? false) || detectedAt !== undefined);
    }
    if (detectedAt === undefined || caller.patternStartMs === undefined) {
      never.set(caller.class, (never.get(caller.class) ?? 0) + 1);
      continue;
    }
    const list = ttd.get(caller.class) ?? [];
    list.push(Math.max(0, detectedAt - caller.patternStartMs) / MINUTE_MS);
    ttd.set(caller.class, list);
  }
  const timeToDetect: Record<string, TimeToDetect> = {};
  for (const cls of FRAUD_CLASSES) {
    const minutes = ttd.get(cls) ?? [];
    const histogram = new Array<number>(TTD_BUCKETS_MIN.length + 2).fill(0);
    for (const m of minutes) {
      const bucket = TTD_BUCKETS_MIN.findIndex((bound) => m <= bound);
      histogram[bucket === -1 ? TTD_BUCKETS_MIN.length : bucket]!++;
    }
    histogram[TTD_BUCKETS_MIN.length + 1] = never.get(cls) ?? 0;
    timeToDetect[cls] = { detected: minutes.length, minutes: summarizeLatencies(minutes), histogram };
  }
  return {
    classes: [...classes.values()],
    precision: alertedAll === 0 ? null : round(alertedFraud / alertedAll, 4),
    simBoxDevices: { devices: devices.size, detected: [...devices.values()].filter(Boolean).length },
    timeToDetect,
  };
}
