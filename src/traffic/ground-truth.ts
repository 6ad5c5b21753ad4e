/**
 * Ground truth: which caller is what, and when its pattern started. Written to its own file, never inside the
 * records (a detector must not be able to read the answer). Only the special callers are listed by default;
 * every caller not listed is an ordinary subscriber or a foreign caller, i.e. class `normal`.
 */
import type { RhythmClock } from './diurnal-rhythm.js';
import { CallCentre, OtpSender, ProbeSim } from './look-alikes.js';
import { FLASH_CALL_PREFIX, type NumberPlan } from './number-plan.js';
import { planSdhfCaller, type SdhfFlavour } from './sdhf-caller.js';
import { planSimBox, SimBoxChannel, type SimBoxSpec } from './sim-box.js';
import { CallScratch, type CallOutput } from './call-model.js';
import type { ResolvedTrafficOptions } from './traffic-options.js';

export const CALLER_CLASSES = ['normal', 'sdhf', 'simbox', 'call_centre', 'otp', 'probe'] as const;
export type CallerClass = (typeof CALLER_CLASSES)[number];

export interface LabelledCaller {
  /** E.164 digits, no `+` (as the engine stores them). */
  number: string;
  class: CallerClass;
  /** SDHF: when the ramp starts. SIM-box SIM: its first call. */
  patternStartMs?: number;
  /** SIM-box SIMs: the box they sit in (`simbox-<n>`); probes: `probe-<n>`. */
  device?: string;
  /** SIM-box SIMs and probes: the device's IMEI. */
  imei?: string;
  /** SDHF callers: `wangiri` or `robodialler`. */
  flavour?: SdhfFlavour;
  /** SDHF callers: full rate and ramp length. */
  peakCallsPerHour?: number;
  rampMs?: number;
}

export interface GroundTruth {
  seed: number;
  options: ResolvedTrafficOptions;
  /** Every flash-call OTP sender's number starts with this (put it on the allowlist). */
  flashCallPrefix: string;
  /** The class of every caller missing from `callers`. */
  unlistedClass: 'normal';
  callers: LabelledCaller[];
}

/** Builds the labels. SIM-box timelines are replayed here (cheap: no records are built) to learn their SIMs. */
export function buildGroundTruth(
  options: ResolvedTrafficOptions,
  plan: NumberPlan,
  clock: RhythmClock,
): GroundTruth {
  const callers: LabelledCaller[] = [];
  for (let k = 0; k < options.sdhfCallers; k++) {
    const spec = planSdhfCaller(options, plan, k);
    callers.push({
      number: String(spec.number),
      class: 'sdhf',
      patternStartMs: spec.patternStartMs,
      flavour: spec.flavour,
      peakCallsPerHour: Math.round(spec.peakCallsPerHour),
      rampMs: Math.round(spec.rampMs),
    });
  }
  callers.push(...simBoxLabels(options, plan, clock));
  for (let c = 0; c < options.callCentres; c++) {
    callers.push({
      number: String(new CallCentre(c, options, plan, clock).callerNumber),
      class: 'call_centre',
    });
  }
  for (let o = 0; o < options.otpSenders; o++) {
    callers.push({ number: String(new OtpSender(o, options, plan, clock).callerNumber), class: 'otp' });
  }
  for (let p = 0; p < options.probes; p++) {
    const probe = new ProbeSim(p, options, plan);
    callers.push({ number: String(probe.callerNumber), class: 'probe', device: `probe-${p}` });
  }
  if (options.labelNormalCallers) {
    for (let i = 0; i < options.subscribers; i++)
      callers.push({ number: String(plan.mobileNumber(i)), class: 'normal' });
  }
  return {
    seed: options.seed,
    options,
    flashCallPrefix: FLASH_CALL_PREFIX,
    unlistedClass: 'normal',
    callers,
  };
}

/** Replays every SIM-box channel with a discarding output, noting each SIM's first call. */
function simBoxLabels(
  options: ResolvedTrafficOptions,
  plan: NumberPlan,
  clock: RhythmClock,
): LabelledCaller[] {
  const labels: LabelledCaller[] = [];
  const discard: CallOutput = {
    call: new CallScratch(),
    endMs: options.startMs + options.durationMs,
    commit: () => {},
  };
  const onSimStart = (simIndex: number, box: SimBoxSpec, firstCallMs: number): void => {
    labels.push({
      number: String(plan.mobileNumber(simIndex)),
      class: 'simbox',
      patternStartMs: firstCallMs,
      device: box.device,
      imei: String(box.imei),
    });
  };
  for (let b = 0; b < options.simBoxes; b++) {
    const box = planSimBox(options, plan, b);
    for (let channel = 0; channel < options.simsPerBox; channel++) {
      const actor = new SimBoxChannel(box, channel, options, plan, clock, onSimStart);
      while (actor.nextMs !== Number.POSITIVE_INFINITY) actor.fire(discard);
    }
  }
  // A SIM reused after its block wraps (only in very long runs) keeps its first appearance.
  labels.sort(
    (a, b) => (a.patternStartMs ?? 0) - (b.patternStartMs ?? 0) || a.number.localeCompare(b.number),
  );
  const seen = new Set<string>();
  const unique: LabelledCaller[] = [];
  for (const label of labels) {
    if (seen.has(label.number)) continue;
    seen.add(label.number);
    unique.push(label);
  }
  return unique;
}
