/**
 * A day of synthetic CDRs for the window benchmark, deterministic from a seed. The mix: most callers make a
 * few calls a day (60% 1–5, 30% 6–20, 9% 21–60, 1% 61–400 business lines), mostly to a handful of favourite
 * numbers, with ordinary durations; a few hundred SIM boxes make 1,000–4,000 calls each to fresh numbers
 * with 0–3 s durations. Time advances evenly through the day; a small share of records arrives up to two
 * minutes out of order (inside the default five-minute lateness), like a mediation layer batching.
 */

export interface SyntheticOptions {
  events: number;
  callers: number;
  simBoxes: number;
  startMs: number;
  spanMs: number;
  /** Share of records shifted back in time by up to `maxDisorderMs`. @default 0.02 */
  outOfOrderShare?: number;
  maxDisorderMs?: number;
  seed?: number;
}

export interface SyntheticCdrs {
  callers: Float64Array;
  callees: Float64Array;
  startsMs: Float64Array;
  durations: Float64Array;
}

/** sfc32: small, fast, good enough for workload shapes. */
export function prng(seed: number): () => number {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed | 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

const COUNTRY_BASE = 2_340_000_000_000; // +234 and ten digits
/** Distinct, spread-out numbers: i ↦ base + (i·k mod 10^10) is a bijection because k is coprime to 10^10. */
export function subscriberNumber(i: number): number {
  return COUNTRY_BASE + ((i * 2_654_435_761) % 1e10);
}

/** Walker's alias table: O(1) sampling of callers by expected calls per day. */
function aliasTable(weights: Float64Array): { probability: Float64Array; alias: Int32Array } {
  const n = weights.length;
  let total = 0;
  for (const w of weights) total += w;
  const probability = new Float64Array(n);
  const alias = new Int32Array(n);
  const small: number[] = [];
  const large: number[] = [];
  for (let i = 0; i < n; i++) {
    probability[i] = (weights[i]! * n) / total;
    (probability[i]! < 1 ? small : large).push(i);
  }
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!;
    const l = large.pop()!;
    alias[s] = l;
    probability[l] = probability[l]! + probability[s]! - 1;
    (probability[l]! < 1 ? small : large).push(l);
  }
  for (const i of [...small, ...large]) probability[i] = 1;
  return { probability, alias };
}

function callsPerDay(random: () => number, isSimBox: boolean): number {
  if (isSimBox) return 1_000 + random() * 3_000;
  const u = random();
  if (u < 0.6) return 1 + random() * 4;
  if (u < 0.9) return 6 + random() * 14;
  if (u < 0.99) return 21 + random() * 39;
  return 61 + random() * 339;
}

export function generateCdrs(options: SyntheticOptions): SyntheticCdrs {
  const { events, callers, simBoxes, startMs, spanMs } = options;
  const outOfOrderShare = options.outOfOrderShare ?? 0.02;
  const maxDisorderMs = options.maxDisorderMs ?? 120_000;
  const random = prng(options.seed ?? 42);
  const weights = new Float64Array(callers);
  // SIM boxes are spread through the caller index space.
  const simBoxEvery = Math.max(1, Math.floor(callers / Math.max(1, simBoxes)));
  const isSimBox = (i: number): boolean =>
    simBoxes > 0 && i % simBoxEvery === 0 && i / simBoxEvery < simBoxes;
  for (let i = 0; i < callers; i++) weights[i] = callsPerDay(random, isSimBox(i));
  const { probability, alias } = aliasTable(weights);

  const out: SyntheticCdrs = {
    callers: new Float64Array(events),
    callees: new Float64Array(events),
    startsMs: new Float64Array(events),
    durations: new Float64Array(events),
  };
  for (let i = 0; i < events; i++) {
    const slot = Math.floor(random() * callers);
    const index = random() < probability[slot]! ? slot : alias[slot]!;
    let t = startMs + Math.floor((i * spanMs) / events);
    if (random() < outOfOrderShare) t = Math.max(startMs, t - Math.floor(random() * maxDisorderMs));
    let callee: number;
    let duration: number;
    if (isSimBox(index)) {
      callee = subscriberNumber(callers + Math.floor(random() * 2e9));
      duration = Math.floor(random() * 4);
    } else {
      // Seven calls in ten go to one of five favourites, the rest anywhere.
      callee =
        random() < 0.7
          ? subscriberNumber(callers + ((index * 5 + Math.floor(random() * 5)) % 2e9))
          : subscriberNumber(callers + Math.floor(random() * 2e9));
      duration = random() < 0.1 ? 0 : Math.min(86_400, Math.round(-120 * Math.log(1 - random())));
    }
    out.callers[i] = subscriberNumber(index);
    out.callees[i] = callee;
    out.startsMs[i] = t;
    out.durations[i] = duration;
  }
  return out;
}

/**
 * The window benchmark's day at `events` CDRs: one caller configured per ten events, 300 SIM boxes per 10M
 * events, one day from 2026-01-01. The figures of bench-windows.ts and its side tools (memory-breakdown,
 * window-pass, batch-repeats) are all taken on this day.
 */
export function benchmarkDay(events: number, seed = 42): { cdrs: SyntheticCdrs; callers: number } {
  const callers = Math.round(events / 10);
  const cdrs = generateCdrs({
    events,
    callers,
    simBoxes: Math.round((300 * events) / 10_000_000),
    startMs: Date.UTC(2026, 0, 1),
    spanMs: 86_400_000,
    seed,
  });
  return { cdrs, callers };
}
