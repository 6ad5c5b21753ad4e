/**
 * Small generated networks shared by the load-test generator tests, parsed once per options. Sizes are chosen
 * so every statistical check has thousands of samples yet a run takes well under a second on a quiet machine.
 */
import {
  generateTraffic,
  type GeneratedRecord,
  type GroundTruth,
  type TrafficOptions,
} from '../../src/traffic/index.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** Monday 2025-01-06 00:00 UTC. */
export const MONDAY_MS = Date.UTC(2025, 0, 6);

/** One day of a 4,000-subscriber network with every kind of caller present. */
export const DAY_NETWORK: TrafficOptions = {
  seed: 7,
  subscribers: 4_000,
  startMs: MONDAY_MS,
  durationMs: DAY_MS,
  sdhfCallers: 4,
  sdhfPeakCallsPerHour: [150, 300],
  simBoxes: 2,
  simsPerBox: 6,
  callCentres: 1,
  otpSenders: 2,
  probes: 2,
  resentBatchRate: 0,
};

/** A record with its JSON parsed (valid and duplicate records only). */
export interface ParsedCdr {
  record: GeneratedRecord;
  callId: string;
  caller: string;
  callee: string;
  startMs: number;
  duration: number;
  answered: boolean;
  direction: string;
  cell: string | undefined;
  imsi: string | undefined;
  imei: string | undefined;
  switchName: string;
}

export interface GeneratedNetwork {
  records: GeneratedRecord[];
  labels: GroundTruth;
  /** Valid records only (no duplicates, no malformed), parsed. */
  calls: ParsedCdr[];
  /** `calls` grouped by caller number. */
  callsByCaller: Map<string, ParsedCdr[]>;
}

const cache = new Map<string, GeneratedNetwork>();

export function network(options: TrafficOptions): GeneratedNetwork {
  const key = JSON.stringify(options);
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const { records, labels } = generateTraffic(options);
  const all = [...records];
  const calls = all.filter((record) => record.kind === 'valid').map(parse);
  const built = { records: all, labels, calls, callsByCaller: byCaller(calls) };
  cache.set(key, built);
  return built;
}

export function parse(record: GeneratedRecord): ParsedCdr {
  const json = JSON.parse(record.json) as Record<string, unknown>;
  const start = json.start;
  return {
    record,
    callId: String(json.call_id),
    caller: String(json.caller).replace(/^\+/, ''),
    callee: String(json.callee).replace(/^\+/, ''),
    startMs: typeof start === 'number' ? start : Date.parse(String(start)),
    duration: Number(json.duration),
    answered: json.answered === true,
    direction: String(json.direction),
    cell: typeof json.cell === 'string' ? json.cell : undefined,
    imsi: typeof json.imsi === 'string' ? json.imsi : undefined,
    imei: typeof json.imei === 'string' ? json.imei : undefined,
    switchName: String(json.switch),
  };
}

/** Groups calls by caller number. */
export function byCaller(calls: readonly ParsedCdr[]): Map<string, ParsedCdr[]> {
  const groups = new Map<string, ParsedCdr[]>();
  for (const call of calls) {
    const group = groups.get(call.caller);
    if (group === undefined) groups.set(call.caller, [call]);
    else group.push(call);
  }
  return groups;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Brute-force SDHF check over trailing windows `(t - windowMs, t]` ending at each call: the best window's
 * distinct callees and average duration, preferring windows that meet the rule (> 50 distinct, avg < 3 s).
 */
export function bestSdhfWindow(
  calls: readonly ParsedCdr[],
  windowMs: number,
): { distinct: number; avgSeconds: number; endMs: number } | undefined {
  const sorted = [...calls].sort((a, b) => a.startMs - b.startMs);
  let best: { distinct: number; avgSeconds: number; endMs: number } | undefined;
  for (let end = 0; end < sorted.length; end++) {
    const endMs = (sorted[end] as ParsedCdr).startMs;
    const callees = new Set<string>();
    let seconds = 0;
    let count = 0;
    for (let i = end; i >= 0 && (sorted[i] as ParsedCdr).startMs > endMs - windowMs; i--) {
      callees.add((sorted[i] as ParsedCdr).callee);
      seconds += (sorted[i] as ParsedCdr).duration;
      count++;
    }
    const candidate = { distinct: callees.size, avgSeconds: seconds / count, endMs };
    const meets = candidate.distinct > 50 && candidate.avgSeconds < 3;
    if (meets) return candidate;
    if (best === undefined || candidate.distinct > best.distinct) best = candidate;
  }
  return best;
}
