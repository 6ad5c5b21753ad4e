/**
 * The traffic generator: actors place calls in start order (a min-heap of actors by next call time), switch
 * realities turn each call into a record with an arrival time, and records leave in arrival order once no
 * future call can arrive before them. Everything is a function of the options: iterating `records` twice gives
 * the same bytes twice, and no more than the calls in flight are ever held.
 */
import { CallScratch, type Actor, type CallOutput } from './call-model.js';
import { formatRecord, JsonContext, MALFORMED_FAULTS, type FormattedIds } from './cdr-json.js';
import type { RhythmClock } from './diurnal-rhythm.js';
import { buildGroundTruth, type GroundTruth } from './ground-truth.js';
import { CallCentre, OtpSender, ProbeSim } from './look-alikes.js';
import { NormalPopulation } from './normal-population.js';
import { NumberPlan } from './number-plan.js';
import { hash32, Prng } from './prng.js';
import { RECORD_KIND, RecordPool, type RecordKindCode } from './record-pool.js';
import { planSdhfCaller, SdhfCaller } from './sdhf-caller.js';
import { planSimBox, SimBoxChannel } from './sim-box.js';
import {
  resolveTrafficOptions,
  type ResolvedTrafficOptions,
  type TrafficOptions,
} from './traffic-options.js';

export type RecordKind = 'valid' | 'duplicate' | 'malformed';

export interface GeneratedRecord {
  /** When the record reaches the collector (call end + collection delay), epoch ms. Non-decreasing. */
  arrivalMs: number;
  /** Exactly what the switch sends (docs/design.md §2), or a malformed variant of it. */
  json: string;
  /** The record's `call_id` ('' when the malformed record lost it). */
  callId: string;
  /** Caller digits without `+`, for partitioning. */
  callerDigits: string;
  kind: RecordKind;
}

export interface GeneratedTraffic {
  /** Records in arrival order, produced lazily; each iteration replays the same run. */
  records: Iterable<GeneratedRecord>;
  labels: GroundTruth;
}

const KIND_NAMES: readonly RecordKind[] = ['valid', 'duplicate', 'malformed'];
const COLLECTION_DELAY_SIGMA = 1.0;
const LATE_BATCH_INTERVAL_MS = 300_000;
const LATE_SALT = 0x4c41_5445; // "LATE"
const TWO_POW_32 = 4_294_967_296;

/** Generates a deterministic synthetic network's records and their ground-truth labels. */
export function generateTraffic(options: TrafficOptions): GeneratedTraffic {
  const resolved = resolveTrafficOptions(options);
  const plan = new NumberPlan(resolved.seed);
  const clock: RhythmClock = {
    utcOffsetHours: resolved.utcOffsetHours,
    timeCompression: resolved.timeCompression,
    anchorMs: resolved.startMs,
  };
  const labels = buildGroundTruth(resolved, plan, clock);
  const records: Iterable<GeneratedRecord> = {
    [Symbol.iterator]: () => runSimulation(resolved, plan, clock),
  };
  return { records, labels };
}

/** Min-heap of actors by `nextMs`: a few hundred to a few thousand entries. */
class ActorQueue {
  private readonly items: Actor[] = [];

  push(actor: Actor): void {
    if (actor.nextMs === Number.POSITIVE_INFINITY) return;
    const items = this.items;
    items.push(actor);
    let at = items.length - 1;
    while (at > 0) {
      const parentAt = (at - 1) >> 1;
      const parent = items[parentAt] as Actor;
      if (parent.nextMs <= actor.nextMs) break;
      items[at] = parent;
      at = parentAt;
    }
    items[at] = actor;
  }

  peek(): Actor | undefined {
    return this.items[0];
  }

  /** Restores order after the top actor's `nextMs` grew; drops it when it is finished. */
  topChanged(): void {
    const items = this.items;
    const top = items[0] as Actor;
    if (top.nextMs === Number.POSITIVE_INFINITY) {
      const last = items.pop() as Actor;
      if (items.length === 0) return;
      items[0] = last;
    }
    const actor = items[0] as Actor;
    const size = items.length;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && (items[right] as Actor).nextMs < (items[child] as Actor).nextMs) child = right;
      const childActor = items[child] as Actor;
      if (childActor.nextMs >= actor.nextMs) break;
      items[at] = childActor;
      at = child;
    }
    items[at] = actor;
  }
}

/** The live output: applies switch realities and queues the record for its arrival time. */
class DeliveringOutput implements CallOutput {
  readonly call = new CallScratch();
  readonly endMs: number;
  private sequence = 0;
  private readonly lateFromMs: number;
  private readonly lateSpanMs: number;

  constructor(
    private readonly pool: RecordPool,
    private readonly options: ResolvedTrafficOptions,
    private readonly prng: Prng,
  ) {
    this.endMs = options.startMs + options.durationMs;
    this.lateFromMs = options.lateBatchDelayMs[0];
    this.lateSpanMs = options.lateBatchDelayMs[1] - options.lateBatchDelayMs[0];
  }

  commit(): void {
    const { call, options, prng } = this;
    if (call.startMs >= this.endMs) return;
    const callEndMs = call.startMs + call.durationSeconds * 1000;
    let delayMs = Math.min(
      prng.logNormal(options.collectionDelayMedianMs, COLLECTION_DELAY_SIGMA),
      options.collectionDelayMaxMs,
    );
    if (options.lateBatchRate > 0) delayMs += this.lateBatchDelay(call.switchIndex, callEndMs);
    const arrivalMs = callEndMs + Math.round(delayMs);
    const malformed = options.malformedRate > 0 && prng.next() < options.malformedRate;
    const kind: RecordKindCode = malformed ? RECORD_KIND.malformed : RECORD_KIND.valid;
    const slot = this.pool.add(
      call,
      arrivalMs,
      this.sequence++,
      kind,
      malformed ? prng.int(MALFORMED_FAULTS.length) : 0,
    );
    if (!malformed && options.duplicateRate > 0 && prng.next() < options.duplicateRate) {
      // Mediation re-delivers the same bytes a little later (a retry after a lost acknowledgement).
      this.pool.addCopy(slot, arrivalMs + 1 + Math.round(prng.exponential(20_000)), RECORD_KIND.duplicate);
    }
  }

  /** A whole collection interval of one switch is held back now and then (a stuck file transfer). */
  private lateBatchDelay(switchIndex: number, callEndMs: number): number {
    const interval = Math.floor(callEndMs / LATE_BATCH_INTERVAL_MS);
    const seed = this.options.seed;
    if (hash32(seed, LATE_SALT, switchIndex, interval) / TWO_POW_32 >= this.options.lateBatchRate) return 0;
    return (
      this.lateFromMs + (hash32(seed, LATE_SALT + 1, switchIndex, interval) / TWO_POW_32) * this.lateSpanMs
    );
  }
}

function createActors(options: ResolvedTrafficOptions, plan: NumberPlan, clock: RhythmClock): ActorQueue {
  const queue = new ActorQueue();
  const endMs = options.startMs + options.durationMs;
  queue.push(
    new NormalPopulation({
      seed: options.seed,
      subscribers: options.subscribers,
      startMs: options.startMs,
      endMs,
      callsPerSubscriberDay: options.callsPerSubscriberDay,
      clock,
      plan,
    }),
  );
  for (let k = 0; k < options.sdhfCallers; k++)
    queue.push(new SdhfCaller(planSdhfCaller(options, plan, k), options, plan));
  for (let b = 0; b < options.simBoxes; b++) {
    const box = planSimBox(options, plan, b);
    for (let channel = 0; channel < options.simsPerBox; channel++) {
      queue.push(new SimBoxChannel(box, channel, options, plan, clock));
    }
  }
  for (let c = 0; c < options.callCentres; c++) queue.push(new CallCentre(c, options, plan, clock));
  for (let o = 0; o < options.otpSenders; o++) queue.push(new OtpSender(o, options, plan, clock));
  for (let p = 0; p < options.probes; p++) queue.push(new ProbeSim(p, options, plan));
  return queue;
}

function* runSimulation(
  options: ResolvedTrafficOptions,
  plan: NumberPlan,
  clock: RhythmClock,
): Generator<GeneratedRecord> {
  const pool = new RecordPool();
  const actors = createActors(options, plan, clock);
  const output = new DeliveringOutput(pool, options, new Prng(options.seed, 0x5357_4954)); // "SWIT"
  const resendPrng = new Prng(options.seed, 0x5245_534e); // "RESN"
  const context = new JsonContext(hash32(options.seed, Math.floor(options.startMs / 1000)).toString(36));
  const ids: FormattedIds = { callId: '', callerDigits: '' };
  let resendLeft = 0;
  let resendDelayMs = 0;

  for (;;) {
    const next = actors.peek();
    // No call yet to be placed can start (hence arrive) before the whole second of the next call time.
    const frontierMs = next === undefined ? Number.POSITIVE_INFINITY : Math.floor(next.nextMs / 1000) * 1000;
    while (pool.size > 0 && pool.peekArrivalMs() <= frontierMs) {
      const slot = pool.pop();
      if ((pool.arrivalMs[slot] as number) < options.emitFromMs) {
        pool.release(slot); // warm-up: simulated, never formatted
        continue;
      }
      const json = formatRecord(pool, slot, context, ids);
      const kindCode = pool.kind[slot] as number;
      const arrivalMs = pool.arrivalMs[slot] as number;
      if (resendLeft > 0) {
        // A re-sent batch: the collector received a file again; valid records reappear as exact copies.
        if (kindCode === RECORD_KIND.valid)
          pool.addCopy(slot, arrivalMs + resendDelayMs, RECORD_KIND.duplicate);
        resendLeft--;
      } else if (options.resentBatchRate > 0 && resendPrng.next() < options.resentBatchRate) {
        resendLeft = resendPrng.intBetween(20, 200);
        resendDelayMs = Math.round(resendPrng.between(60_000, 900_000));
      }
      pool.release(slot);
      yield {
        arrivalMs,
        json,
        callId: ids.callId,
        callerDigits: ids.callerDigits,
        kind: KIND_NAMES[kindCode] ?? 'valid',
      };
    }
    if (next === undefined) return;
    next.fire(output);
    actors.topChanged();
  }
}
