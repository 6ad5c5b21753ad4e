/**
 * The simulated day through the detection engine in this process, the way the shard workers run it: every
 * generated record decoded by the product's decoder, switch duplicates dropped by call_id, one engine per
 * partition (the publisher's partition hash) fed in arrival order. No NATS and no Postgres: alerts and case
 * events are taken from the engine directly, so case settings can be compared on the same day in minutes.
 */
import { decodeCdr, partitionOf } from '../../src/codec/index.js';
import type { CallerClass, GeneratedTraffic, GroundTruth } from '../../src/traffic/index.js';
import {
  DEFAULT_RULE_SETTINGS,
  DEFAULT_WINDOWS_MS,
  DetectionEngine,
  type AlertEvent,
  type CaseSettings,
  type RuleSettings,
} from '../../src/windows/index.js';
import { round, summarizeLatencies, type LatencySummary } from '../pipeline/bench-stats.js';
import { FRAUD_CLASSES } from './scoring.js';

/** The day's accepted records (duplicates dropped), in arrival order, as the engines take them. */
export interface DecodedDay {
  count: number;
  partition: Uint16Array;
  caller: Float64Array;
  callee: Float64Array;
  startMs: Float64Array;
  durationSeconds: Uint32Array;
}

const ALLOWED_LATENESS_MS = 300_000;

/**
 * Decodes the day once. Exact copies the generator marks `duplicate` (switch re-sends, always after their
 * original) are dropped, as the workers' call_id filter drops them; records the decoder refuses are skipped.
 */
export function decodeDay(traffic: GeneratedTraffic, partitions: number): DecodedDay {
  let day = allocate(1 << 20);
  const encoder = new TextEncoder();
  for (const record of traffic.records) {
    if (record.kind === 'duplicate') continue;
    const decoded = decodeCdr(encoder.encode(record.json));
    if (!decoded.ok) continue;
    if (day.count === day.caller.length) day = grow(day);
    const i = day.count++;
    day.partition[i] = partitionOf(record.callerDigits, partitions);
    day.caller[i] = decoded.cdr.caller;
    day.callee[i] = decoded.cdr.callee;
    day.startMs[i] = decoded.cdr.startMs;
    day.durationSeconds[i] = decoded.cdr.durationSeconds;
  }
  return day;
}

function allocate(capacity: number): DecodedDay {
  return {
    count: 0,
    partition: new Uint16Array(capacity),
    caller: new Float64Array(capacity),
    callee: new Float64Array(capacity),
    startMs: new Float64Array(capacity),
    durationSeconds: new Uint32Array(capacity),
  };
}

function grow(day: DecodedDay): DecodedDay {
  const bigger = allocate(day.caller.length * 2);
  bigger.count = day.count;
  bigger.partition.set(day.partition);
  bigger.caller.set(day.caller);
  bigger.callee.set(day.callee);
  bigger.startMs.set(day.startMs);
  bigger.durationSeconds.set(day.durationSeconds);
  return bigger;
}

export interface CaseReplayResult {
  settings: CaseSettings;
  /** Windows the SDHF rule watched (the engine runs 10 min, 1 h and 24 h). */
  sdhfWindowsMs: readonly number[];
  /** Fraud classes together. */
  fraudulentCallers: number;
  /** Fraudulent callers with at least one case. */
  detectedFraudsters: number;
  /** Distinct case keys (one `cases` row each) per detected fraudster; the run is one simulated day. */
  caseRowsPerFraudsterPerDay: number | null;
  /** Case events (`case_events` rows, NATS messages) per detected fraudster. */
  caseEventsPerFraudster: number | null;
  /** The window-level alert messages per detected fraudster, for comparison. */
  alertEventsPerFraudster: number | null;
  caseEventsByKind: Record<string, number>;
  /** Case rows and events of callers that are not fraud (false positives), by class. */
  nonFraudCaseRows: Record<string, number>;
  /** Fraudsters whose first case event came on another CDR than their first alert (must be 0). */
  firstEventNotOnFirstAlertCdr: number;
  /** Fraudsters alerted without a case, or with a case and no alert (must be 0). */
  alertedWithoutCase: number;
  timeToFirstCaseMinutes: LatencySummary;
  /** Largest number of cases held at once, over all partitions. */
  peakCasesHeld: number;
  replaySeconds: number;
}

/** Runs the day through one engine per partition with these case settings. */
export function replayCases(
  day: DecodedDay,
  labels: GroundTruth,
  partitions: number,
  allowlist: readonly string[],
  cases: CaseSettings,
  /** Windows the SDHF rule watches. @default every window */
  sdhfWindowsMs: readonly number[] = DEFAULT_WINDOWS_MS,
): CaseReplayResult {
  const started = performance.now();
  const settings: RuleSettings = {
    ...DEFAULT_RULE_SETTINGS,
    sdhf: DEFAULT_RULE_SETTINGS.sdhf.filter((entry) => sdhfWindowsMs.includes(entry.windowMs)),
    allowlist: [...allowlist],
    cases,
  };
  const engines = Array.from(
    { length: partitions },
    () =>
      new DetectionEngine(
        { windowsMs: DEFAULT_WINDOWS_MS, allowedLatenessMs: ALLOWED_LATENESS_MS },
        settings,
      ),
  );
  const classOf = new Map(labels.callers.map((c) => [c.number, c]));
  const alerts: AlertEvent[] = [];
  const firstAlertAt = new Map<string, number>();
  const firstCaseAt = new Map<string, number>();
  const alertCount = new Map<string, number>();
  const caseEventCount = new Map<string, number>();
  const caseKeys = new Map<string, Set<string>>();
  const byKind: Record<string, number> = {};
  let peakCasesHeld = 0;
  for (let i = 0; i < day.count; i++) {
    alerts.length = 0;
    const engine = engines[day.partition[i]!]!;
    engine.process(day.caller[i]!, day.callee[i]!, day.startMs[i]!, day.durationSeconds[i]!, alerts);
    const caseEvents = engine.lastCaseEvents;
    for (const alert of alerts) {
      const suspect = alert.suspectNumber;
      if (!firstAlertAt.has(suspect)) firstAlertAt.set(suspect, i);
      alertCount.set(suspect, (alertCount.get(suspect) ?? 0) + 1);
    }
    for (const event of caseEvents) {
      const suspect = event.suspectNumber;
      if (!firstCaseAt.has(suspect)) firstCaseAt.set(suspect, i);
      caseEventCount.set(suspect, (caseEventCount.get(suspect) ?? 0) + 1);
      let keys = caseKeys.get(suspect);
      if (keys === undefined) caseKeys.set(suspect, (keys = new Set()));
      keys.add(event.caseKey);
      byKind[event.kind] = (byKind[event.kind] ?? 0) + 1;
    }
    if (caseEvents.length > 0 || (i & 0xffff) === 0) {
      const held = engines.reduce((total, e) => total + e.footprint().cases, 0);
      if (held > peakCasesHeld) peakCasesHeld = held;
    }
  }
  const fraudsters = labels.callers.filter((c) => FRAUD_CLASSES.includes(c.class));
  let rows = 0;
  let events = 0;
  let alertEvents = 0;
  let mismatched = 0;
  let withoutCase = 0;
  const ttd: number[] = [];
  for (const caller of fraudsters) {
    const digits = caller.number;
    rows += caseKeys.get(digits)?.size ?? 0;
    events += caseEventCount.get(digits) ?? 0;
    alertEvents += alertCount.get(digits) ?? 0;
    const alertAt = firstAlertAt.get(digits);
    const caseAt = firstCaseAt.get(digits);
    if ((alertAt === undefined) !== (caseAt === undefined)) withoutCase++;
    else if (alertAt !== caseAt) mismatched++;
    if (caseAt !== undefined && caller.patternStartMs !== undefined)
      ttd.push(Math.max(0, day.startMs[caseAt]! - caller.patternStartMs) / 60_000);
  }
  const nonFraud: Record<string, number> = {};
  for (const [suspect, keys] of caseKeys) {
    const cls: CallerClass = classOf.get(suspect)?.class ?? 'normal';
    if (!FRAUD_CLASSES.includes(cls)) nonFraud[cls] = (nonFraud[cls] ?? 0) + keys.size;
  }
  const detected = fraudsters.filter((c) => caseKeys.has(c.number)).length;
  return {
    settings: cases,
    sdhfWindowsMs: [...sdhfWindowsMs],
    fraudulentCallers: fraudsters.length,
    detectedFraudsters: detected,
    caseRowsPerFraudsterPerDay: detected === 0 ? null : round(rows / detected, 2),
    caseEventsPerFraudster: detected === 0 ? null : round(events / detected, 2),
    alertEventsPerFraudster: detected === 0 ? null : round(alertEvents / detected, 2),
    caseEventsByKind: byKind,
    nonFraudCaseRows: nonFraud,
    firstEventNotOnFirstAlertCdr: mismatched,
    alertedWithoutCase: withoutCase,
    timeToFirstCaseMinutes: summarizeLatencies(ttd),
    peakCasesHeld,
    replaySeconds: round((performance.now() - started) / 1_000, 1) ?? 0,
  };
}

const MINUTE_MS = 60_000;

export interface ComparedSetting {
  cases: CaseSettings;
  sdhfWindowsMs: readonly number[];
}

const setting = (
  quietMinutes: number,
  updateMinutes: number,
  reopenMinutes = 1_440,
  sdhfWindowsMs: readonly number[] = DEFAULT_WINDOWS_MS,
): ComparedSetting => ({
  cases: {
    quietPeriodMs: quietMinutes * MINUTE_MS,
    reopenWithinMs: reopenMinutes * MINUTE_MS,
    updateEveryMs: updateMinutes * MINUTE_MS,
  },
  sdhfWindowsMs,
});

/**
 * The settings compared: quiet periods of 10 min, 30 min, 1 h and 2 h (issue 12) with hourly updates; update
 * intervals of 10 and 30 min; no reopening; and the quiet periods again with the SDHF rule on the 10 min and
 * 1 h windows only, where a suspect's pauses — not the 24 h window — decide when a case closes.
 */
export const CASE_SETTINGS_COMPARED: readonly ComparedSetting[] = [
  setting(10, 60),
  setting(30, 60),
  setting(60, 60),
  setting(120, 60),
  setting(60, 10),
  setting(60, 30),
  setting(60, 60, 0),
  ...[10, 30, 60, 120].map((quiet) => setting(quiet, 60, 1_440, DEFAULT_WINDOWS_MS.slice(0, 2))),
];
