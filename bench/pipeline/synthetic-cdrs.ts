/**
 * Deterministic CDR JSON for the pipeline benchmark: a plain population of callers plus a few short-duration
 * high-fanout (SDHF) callers, ~240 bytes a record in the contract's JSON (docs/design.md §2). Cheaper and more
 * controllable than the full network simulator (loadtest/lib), which the quality benchmark uses: here only
 * volume, caller spread and a known SDHF mix matter. Record `i` depends only on (seed, i), so the bare
 * ceiling and the engine read exactly the same bytes.
 */

export interface SyntheticRecord {
  json: string;
  callId: string;
  callerDigits: string;
  startMs: number;
  /** True when the caller is one of the SDHF callers. */
  sdhf: boolean;
}

const SWITCHES = ['MSC-LAG-01', 'MSC-ABJ-02', 'MSC-PHC-01', 'MSC-KAN-03'] as const;
const TRUNKS = ['RAN', 'ONNET', 'IC-GLO-01', 'INTL-GW-01'] as const;
const CAUSES = [16, 16, 16, 16, 17, 19, 31] as const;

/** A 32-bit integer hash (murmur3's finaliser); the only randomness here. */
export function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const unit = (a: number, b: number): number => mix32(mix32(a) ^ Math.imul(b, 0x9e37_79b9)) / 4_294_967_296;

/** A 13-digit Nigerian-style mobile number for subscriber `index` of `pool` (0 = subscribers, 1 = fraud, 2 = callees). */
export function subscriberNumber(pool: number, index: number): string {
  const prefix = pool === 0 ? 803 : pool === 1 ? 809 : 806;
  return `234${prefix}${String(index % 10_000_000).padStart(7, '0')}`;
}

export interface RecordFields {
  callId: string;
  caller: string;
  callee: string;
  startMs: number;
  durationSeconds: number;
  salt: number;
}

/**
 * `full`: the contract's fourteen fields (~330 bytes), what the engine's own benchmarks read. `slim`: the nine
 * fields of the reference ceiling's records (`shared/reference/bare-pipeline`: call id as a UUID, numbers,
 * ISO start, duration, direction, cause as a string, cell, switch; ~225 bytes), so a bare drain can be held
 * against the reference on records of the same size and shape.
 */
export type RecordShape = 'full' | 'slim';

/** The slim shape's nine fields; `callId` should be UUID-sized to match the reference's records. */
export function slimRecordJson(fields: RecordFields): string {
  const { salt } = fields;
  return (
    `{"call_id":"${fields.callId}","caller":"+${fields.caller}","callee":"+${fields.callee}",` +
    `"start":"${new Date(fields.startMs).toISOString()}","duration":${fields.durationSeconds},` +
    `"direction":"${(salt & 15) === 0 ? 'inbound' : 'outbound'}","cause":"${CAUSES[(salt >>> 2) % CAUSES.length]!}",` +
    `"cell":"LAG${String((salt >>> 4) % 5_000).padStart(4, '0')}","switch":"${SWITCHES[salt & 3]!}"}`
  );
}

/** A unique, UUID-formatted call id for record `i` of a run (36 characters, as the reference's). */
function uuidShapedCallId(runTag: string, i: number): string {
  let tag = 0;
  for (let k = 0; k < runTag.length; k++) tag = mix32(tag ^ runTag.charCodeAt(k));
  const hex = (value: number, width: number): string => value.toString(16).padStart(width, '0');
  return `${hex(tag, 8)}-${hex(mix32(i) & 0xffff, 4)}-4000-8000-${hex(i, 12)}`;
}

/** The wire text of one record; optional fields vary with `salt` like a real mediation feed. */
export function recordJson(fields: RecordFields): string {
  const { salt } = fields;
  const sw = SWITCHES[salt & 3]!;
  const cause = fields.durationSeconds > 0 ? 16 : CAUSES[(salt >>> 2) % CAUSES.length]!;
  return (
    `{"call_id":"${fields.callId}","caller":"+${fields.caller}","callee":"+${fields.callee}",` +
    `"start":"${new Date(fields.startMs).toISOString()}","duration":${fields.durationSeconds},` +
    `"answered":${fields.durationSeconds > 0},"direction":"outbound","cause":${cause},` +
    `"cell":"${sw.slice(4, 7)}-${String((salt >>> 4) % 4_000).padStart(4, '0')}",` +
    `"imsi":"62130${String(mix32(salt) % 1_000_000_000).padStart(10, '0')}",` +
    `"switch":"${sw}","trunk_in":"${TRUNKS[(salt >>> 8) & 3]!}","trunk_out":"${TRUNKS[(salt >>> 10) & 3]!}"}`
  );
}

export interface BacklogPlan {
  seed: number;
  events: number;
  /** Event times spread evenly over `[startMs, startMs + spanMs)`, in order. */
  startMs: number;
  spanMs: number;
  /** Distinct ordinary callers. @default max(1_000, events / 10) */
  callers?: number;
  /** Share of records from SDHF callers. @default 0.005 */
  sdhfShare?: number;
  /** SDHF callers. @default max(5, round(events / 200_000)) */
  sdhfCallers?: number;
  /** Distinguishes runs' call ids. */
  runTag: string;
  /** @default 'full' */
  shape?: RecordShape;
}

/** Record `i` of a backlog: event time rises with `i`, so every partition sees its events in order. */
export function backlogRecord(plan: BacklogPlan, i: number): SyntheticRecord {
  const callers = plan.callers ?? Math.max(1_000, Math.round(plan.events / 10));
  const sdhfShare = plan.sdhfShare ?? 0.005;
  const sdhfCallers = plan.sdhfCallers ?? Math.max(5, Math.round(plan.events / 200_000));
  const salt = mix32(plan.seed ^ Math.imul(i, 0x2c1b_3c6d));
  const startMs = plan.startMs + Math.floor((i * plan.spanMs) / plan.events);
  const sdhf = unit(salt, 1) < sdhfShare;
  let caller: string;
  let callee: string;
  let durationSeconds: number;
  if (sdhf) {
    caller = subscriberNumber(1, Math.floor(unit(salt, 2) * sdhfCallers));
    callee = subscriberNumber(2, i); // a fresh number each call: fan-out
    durationSeconds = Math.floor(unit(salt, 3) * 3); // 0–2 s
  } else {
    // Squaring a uniform draw gives a heavy head: a few callers make many calls, most make few.
    const u = unit(salt, 2);
    caller = subscriberNumber(0, Math.floor(u * u * callers));
    callee = subscriberNumber(0, Math.floor(unit(salt, 4) * callers));
    durationSeconds = Math.floor(-Math.log(1 - unit(salt, 3) * 0.999) * 90);
  }
  const slim = plan.shape === 'slim';
  const callId = slim ? uuidShapedCallId(plan.runTag, i) : `bk-${plan.runTag}-${i.toString(36)}`;
  const fields = { callId, caller, callee, startMs, durationSeconds, salt };
  return {
    json: slim ? slimRecordJson(fields) : recordJson(fields),
    callId,
    callerDigits: caller,
    startMs,
    sdhf,
  };
}

/**
 * Live traffic for the latency runs: ordinary calls plus SDHF callers, each of which makes `callsPerFraudster`
 * one-second calls to distinct numbers and then is replaced by a fresh number. A fresh SDHF caller crosses
 * the rule's threshold (> 50 distinct, avg < 3 s) at its 51st call and escalates at its 100th and 200th.
 */
export class SteadyTraffic {
  private sequence = 0;
  private nextFraudster = 0;
  private readonly active: { number: string; calls: number; lastStartMs: number }[] = [];

  constructor(
    private readonly options: {
      seed: number;
      runTag: string;
      callers: number;
      sdhfShare: number;
      activeFraudsters: number;
      callsPerFraudster: number;
      /** First fraudster index: keeps numbers fresh across runs on the same engine. */
      fraudsterBase: number;
    },
  ) {
    for (let k = 0; k < options.activeFraudsters; k++) this.active.push(this.freshFraudster());
  }

  private freshFraudster(): { number: string; calls: number; lastStartMs: number } {
    const index = this.options.fraudsterBase + this.nextFraudster++;
    return { number: subscriberNumber(1, 5_000_000 + index), calls: 0, lastStartMs: 0 };
  }

  get fraudstersUsed(): number {
    return this.nextFraudster;
  }

  next(nowMs: number): SyntheticRecord {
    const i = this.sequence++;
    const salt = mix32(this.options.seed ^ Math.imul(i, 0x2c1b_3c6d));
    const callId = `st-${this.options.runTag}-${i.toString(36)}`;
    if (unit(salt, 1) < this.options.sdhfShare) {
      const slot = Math.floor(unit(salt, 2) * this.active.length);
      const fraudster = this.active[slot]!;
      // (caller, start) must identify the triggering CDR of an alert: one ms per call at least.
      const startMs = Math.max(nowMs, fraudster.lastStartMs + 1);
      fraudster.lastStartMs = startMs;
      fraudster.calls++;
      const callee = subscriberNumber(2, mix32(salt ^ fraudster.calls) % 9_000_000);
      const record = {
        json: recordJson({ callId, caller: fraudster.number, callee, startMs, durationSeconds: 1, salt }),
        callId,
        callerDigits: fraudster.number,
        startMs,
        sdhf: true,
      };
      if (fraudster.calls >= this.options.callsPerFraudster) this.active[slot] = this.freshFraudster();
      return record;
    }
    const u = unit(salt, 2);
    const caller = subscriberNumber(0, Math.floor(u * u * this.options.callers));
    const callee = subscriberNumber(0, Math.floor(unit(salt, 4) * this.options.callers));
    const durationSeconds = 5 + Math.floor(-Math.log(1 - unit(salt, 3) * 0.999) * 90);
    return {
      json: recordJson({ callId, caller, callee, startMs: nowMs, durationSeconds, salt }),
      callId,
      callerDigits: caller,
      startMs: nowMs,
      sdhf: false,
    };
  }
}
