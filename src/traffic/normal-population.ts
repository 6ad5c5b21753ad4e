/**
 * Ordinary subscribers, all of them as one actor. Each subscriber calls as a Poisson process at its own rate
 * (log-normal across subscribers: most make a few calls a day, a few make dozens), modulated by the daily
 * rhythm. The superposition of those processes is one Poisson process at the summed rate whose events fall
 * to subscriber i with probability rate_i / total, so the next call costs one exponential draw and one alias
 * sample, whatever the population size. Nothing per subscriber is stored but the alias table; contacts, home
 * cell, handset and switch are hashes of (seed, index).
 */
import { AliasTable } from './alias-table.js';
import { beginCall, setUnanswered, type Actor, type CallOutput } from './call-model.js';
import { activityAt, type RhythmClock } from './diurnal-rhythm.js';
import { SALT, TRUNK, type NumberPlan } from './number-plan.js';
import { hash32, hashNormal, Prng } from './prng.js';

const DAY_MS = 86_400_000;
/** The rhythm is held constant over slices this long when integrating the rate. */
const SLICE_MS = 60_000;

/** Log-normal spread of per-subscriber call rates (σ of ln rate): a 99th percentile ~13× the median. */
const RATE_SIGMA = 1.1;
const MAX_CALLS_PER_DAY = 400;
/** Normal call durations: log-normal, median 60 s; σ = 1.6 puts 60% of answered calls under 90 s. */
export const NORMAL_DURATION_MEDIAN_SECONDS = 60;
export const NORMAL_DURATION_SIGMA = 1.6;
const MAX_CALL_SECONDS = 4 * 3600;
const ANSWER_RATE = 0.78;
/** Share of a subscriber's calls that are international calls *to* them (the caller is abroad). */
const INBOUND_INTERNATIONAL_SHARE = 0.04;
/** Where outbound callees come from: the own circle, anyone on-net, or another operator. */
const CIRCLE_SHARE = 0.85;
const ON_NET_RANDOM_SHARE = 0.1;
const HOME_CELL_SHARE = 0.75;
const MIN_CIRCLE = 3;
const CIRCLE_SPREAD = 18;

export interface NormalPopulationOptions {
  seed: number;
  subscribers: number;
  startMs: number;
  endMs: number;
  callsPerSubscriberDay: number;
  clock: RhythmClock;
  plan: NumberPlan;
}

/** Calls-per-day rate of subscriber `index` (before the rhythm and any time compression). */
export function subscriberCallsPerDay(seed: number, index: number, medianCallsPerDay: number): number {
  const rate = medianCallsPerDay * Math.exp(RATE_SIGMA * hashNormal(seed, SALT.rate, index));
  return Math.min(rate, MAX_CALLS_PER_DAY);
}

/** Size of subscriber `index`'s circle of contacts (3–20). */
export function circleSize(seed: number, index: number): number {
  return MIN_CIRCLE + (hash32(seed, SALT.circle, index) % CIRCLE_SPREAD);
}

/** The `slot`-th contact of subscriber `index`: a subscriber index, never `index` itself. */
export function contactOf(seed: number, index: number, slot: number, subscribers: number): number {
  const contact = hash32(seed, SALT.contact, index, slot) % subscribers;
  return contact === index ? (contact + 1) % subscribers : contact;
}

export class NormalPopulation implements Actor {
  nextMs: number;
  private readonly prng: Prng;
  private readonly table: AliasTable;
  /** Calls per ms of the whole population at activity 1 (compression included). */
  private readonly baseRatePerMs: number;
  private readonly options: NormalPopulationOptions;
  private readonly attributes: Float64Array;
  private cachedSliceEndMs = Number.NaN;
  private cachedRate = 0;

  constructor(options: NormalPopulationOptions) {
    this.options = options;
    this.attributes = new Float64Array(2 * options.subscribers);
    this.prng = new Prng(options.seed, 0x4e4f_524d); // "NORM"
    const weights = new Float64Array(options.subscribers);
    let total = 0;
    for (let i = 0; i < options.subscribers; i++) {
      const rate = subscriberCallsPerDay(options.seed, i, options.callsPerSubscriberDay);
      weights[i] = rate;
      total += rate;
    }
    this.table = new AliasTable(weights);
    this.baseRatePerMs = (total * options.clock.timeCompression) / DAY_MS;
    this.nextMs = this.advance(options.startMs);
  }

  fire(output: CallOutput): void {
    const { plan, seed } = this.options;
    const prng = this.prng;
    const index = this.table.sample(prng);
    const subscriber = plan.mobileNumber(index);
    const call = output.call;
    if (prng.chance(INBOUND_INTERNATIONAL_SHARE)) {
      const relative = plan.foreignNumber(hash32(seed, SALT.foreign, index, prng.int(3)));
      beginCall(call, this.nextMs, relative, subscriber);
      call.inbound = true;
      call.switchIndex = this.homeSwitch(index);
      call.trunkIn = prng.chance(0.5) ? TRUNK.internationalA : TRUNK.internationalB;
      call.trunkOut = TRUNK.onNet;
      if (prng.chance(0.85)) call.durationSeconds = this.duration(180, 1.0);
      else setUnanswered(call, prng.next());
    } else {
      beginCall(call, this.nextMs, subscriber, this.pickCallee(index));
      call.switchIndex = this.homeSwitch(index);
      call.cell = prng.chance(HOME_CELL_SHARE)
        ? this.homeCell(index)
        : plan.cellInRegion(this.region(index), prng.nextUint32());
      call.imsi = plan.imsi(index);
      call.imei = this.imei(index);
      call.trunkIn = TRUNK.ran;
      call.trunkOut = this.trunkTo(call.callee);
      if (prng.chance(ANSWER_RATE))
        call.durationSeconds = this.duration(NORMAL_DURATION_MEDIAN_SECONDS, NORMAL_DURATION_SIGMA);
      else setUnanswered(call, prng.next());
    }
    output.commit();
    this.nextMs = this.advance(this.nextMs);
    if (this.nextMs >= this.options.endMs) this.nextMs = Number.POSITIVE_INFINITY;
  }

  // Per-subscriber attributes are pure hashes of the index, but a subscriber calls several times a day and
  // the IMEI's Luhn digit alone costs a dozen divisions: cache them, filled on first use (0 = not yet). Both
  // words of a subscriber share a 16-byte entry, so a lookup is one cache miss, not three.
  //   attributes[2i] = IMEI, attributes[2i + 1] = home cell * 64 + region * 8 + switch + 1 (below 2^35: the
  //   bitwise ops below see it modulo 2^32, which keeps the low six bits intact)
  private attributesOf(index: number): number {
    const at = 2 * index;
    const packed = this.attributes[at + 1] as number;
    if (packed !== 0) return packed;
    const plan = this.options.plan;
    this.attributes[at] = plan.handsetImei(index);
    const filled = plan.homeCell(index) * 64 + plan.region(index) * 8 + plan.homeSwitch(index) + 1;
    this.attributes[at + 1] = filled;
    return filled;
  }

  private region(index: number): number {
    return ((this.attributesOf(index) - 1) & 63) >> 3;
  }

  private homeSwitch(index: number): number {
    return (this.attributesOf(index) - 1) & 7;
  }

  private homeCell(index: number): number {
    return Math.floor(this.attributesOf(index) / 64);
  }

  private imei(index: number): number {
    this.attributesOf(index);
    return this.attributes[2 * index] as number;
  }

  private pickCallee(index: number): number {
    const { plan, seed, subscribers } = this.options;
    const prng = this.prng;
    const u = prng.next();
    if (u < CIRCLE_SHARE) {
      // Squaring skews towards the first contacts: people call a few of their circle most of the time.
      const r = prng.next();
      const slot = Math.floor(circleSize(seed, index) * r * r);
      return plan.mobileNumber(contactOf(seed, index, slot, subscribers));
    }
    if (u < CIRCLE_SHARE + ON_NET_RANDOM_SHARE) return plan.mobileNumber(prng.int(subscribers));
    return plan.offNetNumber(prng.nextUint32());
  }

  private trunkTo(callee: number): number {
    // Off-net prefixes 802/808 go via one interconnect, 805/807 via the other.
    const prefix = Math.floor(callee / 10_000_000) % 1000;
    if (prefix === 802 || prefix === 808) return TRUNK.interconnectA;
    if (prefix === 805 || prefix === 807) return TRUNK.interconnectB;
    return TRUNK.onNet;
  }

  private duration(medianSeconds: number, sigma: number): number {
    const seconds = Math.ceil(this.prng.logNormal(medianSeconds, sigma));
    return seconds < 1 ? 1 : seconds > MAX_CALL_SECONDS ? MAX_CALL_SECONDS : seconds;
  }

  /**
   * Next event of the non-homogeneous Poisson process after `fromMs`: draw an exponential amount of
   * "intensity" and spend it slice by slice (rhythm constant within a slice), which is exact for the
   * piecewise-constant rate.
   */
  private advance(fromMs: number): number {
    let remaining = -Math.log(this.prng.nextOpen());
    let t = fromMs;
    const endMs = this.options.endMs;
    while (t < endMs) {
      const sliceEnd = (Math.floor(t / SLICE_MS) + 1) * SLICE_MS;
      const rate = this.rateInSliceEndingAt(sliceEnd);
      const needed = remaining / rate;
      if (t + needed < sliceEnd) return t + needed;
      remaining -= (sliceEnd - t) * rate;
      t = sliceEnd;
    }
    return Number.POSITIVE_INFINITY;
  }

  /** The population's rate in the slice ending at `sliceEndMs`; consecutive calls mostly hit the same slice. */
  private rateInSliceEndingAt(sliceEndMs: number): number {
    if (sliceEndMs !== this.cachedSliceEndMs) {
      this.cachedSliceEndMs = sliceEndMs;
      this.cachedRate = this.baseRatePerMs * activityAt(this.options.clock, sliceEndMs - SLICE_MS / 2);
    }
    return this.cachedRate;
  }
}
