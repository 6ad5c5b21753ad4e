/**
 * SIM boxes: a GSM gateway with many SIM slots, terminating international calls as if they were local ones.
 * What gives it away is not call length (ordinary, it carries real conversations) but the shape: one IMEI
 * carrying many IMSIs, a cell that never changes, callees spread evenly over the whole subscriber base, almost
 * no incoming calls, and SIMs swapped for fresh ones after a budget of calls to stay under per-SIM limits.
 *
 * Each slot (channel) is its own actor with its own random stream, so a box's timeline depends only on the
 * seed, and the labels can replay it ahead of the records to learn which SIMs it will use and when.
 */
import { beginCall, setUnanswered, type Actor, type CallOutput } from './call-model.js';
import { activityAt, type RhythmClock } from './diurnal-rhythm.js';
import { TRUNK, type NumberPlan } from './number-plan.js';
import { hash32, Prng } from './prng.js';
import { SIM_NUMBERS_PER_BOX, type ResolvedTrafficOptions } from './traffic-options.js';

const MINUTE_MS = 60_000;
/** Mean idle time between calls on a busy channel at average demand. */
const MEAN_GAP_MS = 25_000;
const MIN_ACTIVITY = 0.05;
const CALLBACK_CHANCE = 0.01;

export interface SimBoxSpec {
  index: number;
  /** Device id used in the labels. */
  device: string;
  imei: number;
  cell: number;
  switchIndex: number;
  /** When the box comes online. */
  onlineMs: number;
  /** First mobile-number index of the box's SIM block. */
  simBase: number;
}

export function planSimBox(options: ResolvedTrafficOptions, plan: NumberPlan, box: number): SimBoxSpec {
  const prng = new Prng(options.seed, 0x5349_4d42, box, 0); // "SIMB"
  // Boxes sit in Lagos or Abuja, near international gateways; the cell is fixed for life.
  const region = box % 2 === 0 ? 0 : 1;
  return {
    index: box,
    device: `simbox-${box}`,
    imei: plan.gatewayImei(box),
    cell: plan.cellInRegion(region, hash32(options.seed, 0x5349, box)),
    switchIndex: region === 0 ? 0 : 2,
    onlineMs: options.startMs + Math.floor(prng.between(0, options.durationMs / 4)),
    simBase: options.subscribers + options.sdhfCallers + box * SIM_NUMBERS_PER_BOX,
  };
}

/** Called when a SIM places its first call (the labels' dry run listens to this). */
export type SimStartListener = (simIndex: number, box: SimBoxSpec, firstCallMs: number) => void;

export class SimBoxChannel implements Actor {
  nextMs: number;
  private readonly prng: Prng;
  private readonly endMs: number;
  private readonly serialsPerChannel: number;
  private serial = 0;
  private callsLeft: number;
  private simStarted = false;

  constructor(
    private readonly box: SimBoxSpec,
    private readonly channel: number,
    private readonly options: ResolvedTrafficOptions,
    private readonly plan: NumberPlan,
    private readonly clock: RhythmClock,
    private readonly onSimStart?: SimStartListener,
  ) {
    this.prng = new Prng(options.seed, 0x5349_4d42, box.index, channel + 1);
    this.endMs = options.startMs + options.durationMs;
    this.serialsPerChannel = Math.max(1, Math.floor(SIM_NUMBERS_PER_BOX / options.simsPerBox));
    this.callsLeft = this.budget();
    this.nextMs = box.onlineMs + this.prng.exponential(MINUTE_MS);
    if (this.nextMs >= this.endMs) this.nextMs = Number.POSITIVE_INFINITY;
  }

  /** Mobile-number index of the SIM in this slot now. */
  private simIndex(): number {
    return this.box.simBase + (this.serial % this.serialsPerChannel) * this.options.simsPerBox + this.channel;
  }

  fire(output: CallOutput): void {
    const { plan, prng } = this;
    const simIndex = this.simIndex();
    const simNumber = plan.mobileNumber(simIndex);
    if (!this.simStarted) {
      this.simStarted = true;
      this.onSimStart?.(simIndex, this.box, Math.floor(this.nextMs / 1000) * 1000);
    }
    const calleeIndex = prng.int(this.options.subscribers);
    const call = beginCall(output.call, this.nextMs, simNumber, plan.mobileNumber(calleeIndex));
    call.cell = this.box.cell;
    call.imsi = plan.imsi(simIndex);
    call.imei = this.box.imei;
    call.switchIndex = this.box.switchIndex;
    call.trunkIn = TRUNK.ran;
    call.trunkOut = TRUNK.onNet;
    if (prng.chance(0.82))
      call.durationSeconds = Math.min(3600, Math.max(5, Math.ceil(prng.logNormal(75, 0.8))));
    else setUnanswered(call, prng.next());
    const startMs = call.startMs;
    const durationMs = call.durationSeconds * 1000;
    const answered = call.answered;
    output.commit();

    // Almost no incoming calls: now and then a called party rings the unfamiliar number back.
    if (answered && prng.chance(CALLBACK_CHANCE)) {
      const callbackMs = startMs + durationMs + prng.between(MINUTE_MS, 30 * MINUTE_MS);
      if (callbackMs < this.endMs) this.callBack(output, callbackMs, calleeIndex, simNumber);
    }

    let gapMs = prng.exponential(MEAN_GAP_MS / Math.max(MIN_ACTIVITY, activityAt(this.clock, this.nextMs)));
    if (--this.callsLeft === 0) {
      // Rotate: the operator of the box swaps the SIM before it is noticed, then resumes.
      this.serial++;
      this.simStarted = false;
      this.callsLeft = this.budget();
      gapMs += prng.between(2 * MINUTE_MS, 20 * MINUTE_MS);
    }
    this.nextMs = Math.max(this.nextMs + 1000, startMs + durationMs + gapMs);
    if (this.nextMs >= this.endMs) this.nextMs = Number.POSITIVE_INFINITY;
  }

  private callBack(output: CallOutput, timeMs: number, subscriberIndex: number, simNumber: number): void {
    const { plan, prng } = this;
    const call = beginCall(output.call, timeMs, plan.mobileNumber(subscriberIndex), simNumber);
    call.cell = plan.homeCell(subscriberIndex);
    call.imsi = plan.imsi(subscriberIndex);
    call.imei = plan.handsetImei(subscriberIndex);
    call.switchIndex = plan.homeSwitch(subscriberIndex);
    call.trunkIn = TRUNK.ran;
    call.trunkOut = TRUNK.onNet;
    // The box rarely answers a call-back; when it does, it is short.
    if (prng.chance(0.3)) call.durationSeconds = prng.intBetween(3, 40);
    else setUnanswered(call, prng.next());
    output.commit();
  }

  private budget(): number {
    const [min, max] = this.options.simCallBudget;
    return this.prng.intBetween(min, max);
  }
}
