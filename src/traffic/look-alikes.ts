/**
 * Legitimate traffic that resembles fraud on one axis and must not alert:
 *
 * - Call centres: hundreds of distinct callees a day (high fanout) but calls of 60–120 s, in business hours.
 * - Flash-call OTP senders: zero-second calls to many distinct numbers, exactly the SDHF shape; they are told
 *   apart only by their known prefix (`FLASH_CALL_PREFIX`), i.e. the allowlist.
 * - Network probe SIMs: static cell, no incoming calls, calls around the clock (SIM-box-like), but to a
 *   handful of test responders.
 */
import { beginCall, type Actor, type CallOutput } from './call-model.js';
import { activityAt, isBusinessHours, type RhythmClock } from './diurnal-rhythm.js';
import {
  callCentreNumber,
  flashCallNumber,
  probeNumber,
  probeResponderNumber,
  REGIONS,
  TRUNK,
  type NumberPlan,
} from './number-plan.js';
import { hash32, Prng } from './prng.js';
import type { ResolvedTrafficOptions } from './traffic-options.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Upper bound of the rhythm (its peak is ~1.75× the daily mean), for thinning. */
const MAX_ACTIVITY = 1.8;
const RESPONDERS_PER_PROBE = 4;
/** Probe test SIMs have IMSIs at the top of the operator's range. */
const PROBE_IMSI_BASE = 621_309_999_000_000;

export class CallCentre implements Actor {
  nextMs: number;
  private readonly prng: Prng;
  private readonly number: number;
  private readonly ratePerMs: number;
  private readonly endMs: number;

  constructor(
    readonly index: number,
    private readonly options: ResolvedTrafficOptions,
    private readonly plan: NumberPlan,
    private readonly clock: RhythmClock,
  ) {
    this.prng = new Prng(options.seed, 0x4343_4e54, index); // "CCNT"
    this.number = callCentreNumber(index);
    const agents = this.prng.intBetween(10, 60);
    // An agent places ~30 calls an hour (90 s talk + 30 s wrap-up); compression speeds the day, not the agents.
    this.ratePerMs = (agents * 30) / HOUR_MS;
    this.endMs = options.startMs + options.durationMs;
    this.nextMs = this.advance(options.startMs);
  }

  get callerNumber(): number {
    return this.number;
  }

  fire(output: CallOutput): void {
    const call = beginCall(
      output.call,
      this.nextMs,
      this.number,
      this.plan.mobileNumber(this.prng.int(this.options.subscribers)),
    );
    // Average of two uniforms: 60–120 s, most around 90 s.
    call.durationSeconds = Math.round((this.prng.between(60, 120) + this.prng.between(60, 120)) / 2);
    call.switchIndex = 0;
    call.trunkIn = TRUNK.pbx;
    call.trunkOut = TRUNK.onNet;
    output.commit();
    this.nextMs = this.advance(this.nextMs);
  }

  private advance(fromMs: number): number {
    let t = fromMs + this.prng.exponential(1 / this.ratePerMs);
    // Closed: skip ahead minute by minute (on the compressed clock) to opening time.
    const stepMs = MINUTE_MS / this.clock.timeCompression;
    while (t < this.endMs && !isBusinessHours(this.clock, t)) t += stepMs;
    return t < this.endMs ? t : Number.POSITIVE_INFINITY;
  }
}

export class OtpSender implements Actor {
  nextMs: number;
  private readonly prng: Prng;
  private readonly number: number;
  private readonly peakRatePerMs: number;
  private readonly endMs: number;

  constructor(
    readonly index: number,
    private readonly options: ResolvedTrafficOptions,
    private readonly plan: NumberPlan,
    private readonly clock: RhythmClock,
  ) {
    this.prng = new Prng(options.seed, 0x4f54_5053, index); // "OTPS"
    this.number = flashCallNumber(index);
    // Logins follow the daily rhythm; thinning against the rhythm's peak gives the exact modulated process.
    const meanPerHour = this.prng.logBetween(60, 600) * clock.timeCompression;
    this.peakRatePerMs = (meanPerHour * MAX_ACTIVITY) / HOUR_MS;
    this.endMs = options.startMs + options.durationMs;
    this.nextMs = this.advance(options.startMs);
  }

  get callerNumber(): number {
    return this.number;
  }

  fire(output: CallOutput): void {
    const calleeIndex = this.prng.int(this.options.subscribers);
    const call = beginCall(output.call, this.nextMs, this.number, this.plan.mobileNumber(calleeIndex));
    // The app reads the caller id off the ringing call and the sender drops it: never answered.
    call.answered = false;
    call.inbound = true;
    call.switchIndex = this.plan.homeSwitch(calleeIndex);
    call.trunkIn = TRUNK.a2p;
    call.trunkOut = TRUNK.onNet;
    output.commit();
    this.nextMs = this.advance(this.nextMs);
  }

  private advance(fromMs: number): number {
    let t = fromMs;
    for (;;) {
      t += this.prng.exponential(1 / this.peakRatePerMs);
      if (t >= this.endMs) return Number.POSITIVE_INFINITY;
      if (this.prng.next() * MAX_ACTIVITY < activityAt(this.clock, t)) return t;
    }
  }
}

export class ProbeSim implements Actor {
  nextMs: number;
  private readonly prng: Prng;
  private readonly number: number;
  private readonly periodMs: number;
  private readonly cell: number;
  private readonly imei: number;
  private readonly switchIndex: number;
  private readonly endMs: number;
  private round = 0;

  constructor(
    readonly index: number,
    options: ResolvedTrafficOptions,
    plan: NumberPlan,
  ) {
    this.prng = new Prng(options.seed, 0x5052_4f42, index); // "PROB"
    this.number = probeNumber(index);
    this.periodMs = this.prng.between(3 * MINUTE_MS, 10 * MINUTE_MS);
    const region = index % REGIONS.length;
    this.cell = plan.cellInRegion(region, hash32(options.seed, 0x5052, index));
    this.switchIndex = REGIONS[region]?.switches[0] ?? 0;
    this.imei = plan.handsetImei(2 ** 31 + index);
    this.endMs = options.startMs + options.durationMs;
    this.nextMs = options.startMs + this.prng.between(0, this.periodMs);
    if (this.nextMs >= this.endMs) this.nextMs = Number.POSITIVE_INFINITY;
  }

  get callerNumber(): number {
    return this.number;
  }

  fire(output: CallOutput): void {
    const responder = this.index * RESPONDERS_PER_PROBE + (this.round++ % RESPONDERS_PER_PROBE);
    const call = beginCall(output.call, this.nextMs, this.number, probeResponderNumber(responder));
    call.durationSeconds = this.prng.intBetween(15, 45);
    call.cell = this.cell;
    call.imsi = PROBE_IMSI_BASE + this.index;
    call.imei = this.imei;
    call.switchIndex = this.switchIndex;
    call.trunkIn = TRUNK.ran;
    call.trunkOut = TRUNK.onNet;
    output.commit();
    this.nextMs += this.periodMs * this.prng.between(0.9, 1.1);
    if (this.nextMs >= this.endMs) this.nextMs = Number.POSITIVE_INFINITY;
  }
}
