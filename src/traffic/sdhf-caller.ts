/**
 * A short-duration high-fanout caller, the pattern the SDHF rule targets: a fresh SIM that starts calling at
 * `patternStartMs`, ramps from a tenth of its full rate to all of it over `rampMs`, and keeps going.
 *
 * - Wangiri ("one ring and cut"): random subscribers, every call dropped before answer (0 s), hoping for
 *   premium-rate call-backs.
 * - Robodialler: scans consecutive numbers from a starting point; about half answer and are hung up on within
 *   1–5 s (average well under the rule's 3 s).
 */
import { beginCall, CAUSE, type Actor, type CallOutput } from './call-model.js';
import { REGIONS, TRUNK, type NumberPlan } from './number-plan.js';
import { hash32, Prng } from './prng.js';
import type { ResolvedTrafficOptions } from './traffic-options.js';

const HOUR_MS = 3_600_000;
const RAMP_FLOOR = 0.1;

export type SdhfFlavour = 'wangiri' | 'robodialler';

export interface SdhfCallerSpec {
  index: number;
  flavour: SdhfFlavour;
  /** Index of its SIM in the mobile number plan. */
  numberIndex: number;
  number: number;
  patternStartMs: number;
  rampMs: number;
  peakCallsPerHour: number;
}

/** Draws caller `k`'s parameters (deterministic in the seed, independent of everything else). */
export function planSdhfCaller(options: ResolvedTrafficOptions, plan: NumberPlan, k: number): SdhfCallerSpec {
  const prng = new Prng(options.seed, 0x5344_4846, k, 0); // "SDHF"
  const numberIndex = options.subscribers + k;
  const [startFrom, startTo] = options.sdhfStartWindowMs;
  const [rampMin, rampMax] = options.sdhfRampMs;
  const [peakMin, peakMax] = options.sdhfPeakCallsPerHour;
  return {
    index: k,
    flavour: k % 2 === 0 ? 'wangiri' : 'robodialler',
    numberIndex,
    number: plan.mobileNumber(numberIndex),
    patternStartMs: Math.floor(options.startMs + prng.between(startFrom, startTo)),
    rampMs: rampMin === rampMax ? rampMin : prng.logBetween(rampMin, rampMax),
    peakCallsPerHour: peakMin === peakMax ? peakMin : prng.logBetween(peakMin, peakMax),
  };
}

export class SdhfCaller implements Actor {
  nextMs: number;
  private readonly prng: Prng;
  private readonly cell: number;
  private readonly imsi: number;
  private readonly imei: number;
  private readonly switchIndex: number;
  private scanNext: number;

  constructor(
    private readonly spec: SdhfCallerSpec,
    private readonly options: ResolvedTrafficOptions,
    private readonly plan: NumberPlan,
  ) {
    this.prng = new Prng(options.seed, 0x5344_4846, spec.index, 1);
    const region = spec.index % REGIONS.length;
    this.cell = plan.cellInRegion(region, hash32(options.seed, 0x5344, spec.index));
    this.switchIndex = REGIONS[region]?.switches[0] ?? 0;
    this.imsi = plan.imsi(spec.numberIndex);
    this.imei = plan.handsetImei(spec.numberIndex);
    this.scanNext = plan.mobileNumber(this.prng.int(options.subscribers));
    this.nextMs = spec.patternStartMs;
    this.checkEnd();
  }

  fire(output: CallOutput): void {
    const call = beginCall(output.call, this.nextMs, this.spec.number, this.nextCallee());
    call.cell = this.cell;
    call.imsi = this.imsi;
    call.imei = this.imei;
    call.switchIndex = this.switchIndex;
    call.trunkIn = TRUNK.ran;
    call.trunkOut = TRUNK.onNet;
    if (this.spec.flavour === 'wangiri') {
      call.answered = false;
      call.cause = CAUSE.normalClearing; // the caller hangs up while it rings
    } else if (this.prng.chance(0.5)) {
      call.durationSeconds = this.prng.intBetween(1, 5);
    } else {
      call.answered = false;
      call.cause = CAUSE.noAnswer;
    }
    output.commit();
    this.nextMs += this.prng.exponential(1 / this.ratePerMs(this.nextMs));
    this.checkEnd();
  }

  /** Calls per ms at `timeMs`: linear ramp from 10% to 100% of the peak. */
  private ratePerMs(timeMs: number): number {
    const progress = Math.min(1, Math.max(0, (timeMs - this.spec.patternStartMs) / this.spec.rampMs));
    return ((RAMP_FLOOR + (1 - RAMP_FLOOR) * progress) * this.spec.peakCallsPerHour) / HOUR_MS;
  }

  private nextCallee(): number {
    if (this.spec.flavour === 'wangiri')
      return this.plan.mobileNumber(this.prng.int(this.options.subscribers));
    const callee = this.scanNext;
    this.scanNext += 1 + this.prng.int(3);
    return callee;
  }

  private checkEnd(): void {
    if (this.nextMs >= this.options.startMs + this.options.durationMs) this.nextMs = Number.POSITIVE_INFINITY;
  }
}
