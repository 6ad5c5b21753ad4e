/**
 * What actors produce: one call at a time, written into a reused scratch object (no allocation per call) and
 * handed to a `CallOutput`. The live run's output adds switch realities and queues the record for arrival; the
 * labels' dry run only watches which SIMs are used when.
 */

/** Q.850 release causes the generator uses. */
export const CAUSE = {
  unallocatedNumber: 1,
  normalClearing: 16,
  userBusy: 17,
  noUserResponding: 18,
  noAnswer: 19,
  normalUnspecified: 31,
} as const;

/** One call, fields as integers; 0 in an optional field means "absent from the record". */
export class CallScratch {
  /** Whole seconds, as epoch ms. */
  startMs = 0;
  durationSeconds = 0;
  caller = 0;
  callee = 0;
  answered = true;
  inbound = false;
  cause: number = CAUSE.normalClearing;
  /** Encoded `lac * 100_000 + ci`. */
  cell = 0;
  imsi = 0;
  imei = 0;
  /** Index into `SWITCHES`. */
  switchIndex = 0;
  /** Index into `TRUNKS`. */
  trunkIn = 0;
  trunkOut = 0;
}

export interface CallOutput {
  readonly call: CallScratch;
  /** Calls starting at or after this instant are outside the simulation and must not be committed. */
  readonly endMs: number;
  /** Takes the call currently in `call`. */
  commit(): void;
}

/** Anything that places calls: a population, one SIM-box channel, one fraudster… */
export interface Actor {
  /** When this actor's next call starts (ms, fractional allowed); `Infinity` when it has no more calls. */
  nextMs: number;
  /** Places the call due at `nextMs` (through `output`) and advances `nextMs`. */
  fire(output: CallOutput): void;
}

/** Resets `call` to a fresh outbound answered call and sets its required fields. */
export function beginCall(call: CallScratch, timeMs: number, caller: number, callee: number): CallScratch {
  call.startMs = Math.floor(timeMs / 1000) * 1000;
  call.caller = caller;
  call.callee = callee;
  call.durationSeconds = 0;
  call.answered = true;
  call.inbound = false;
  call.cause = CAUSE.normalClearing;
  call.cell = 0;
  call.imsi = 0;
  call.imei = 0;
  call.switchIndex = 0;
  call.trunkIn = 0;
  call.trunkOut = 0;
  return call;
}

/** Sets an unanswered outcome: no conversation time, a no-answer style cause chosen by `u` in [0, 1). */
export function setUnanswered(call: CallScratch, u: number): void {
  call.answered = false;
  call.durationSeconds = 0;
  call.cause =
    u < 0.6
      ? CAUSE.noAnswer
      : u < 0.85
        ? CAUSE.userBusy
        : u < 0.97
          ? CAUSE.noUserResponding
          : CAUSE.unallocatedNumber;
}
