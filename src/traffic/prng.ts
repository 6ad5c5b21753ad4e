/**
 * Seeded randomness for the traffic generator. Two kinds, both pure 32-bit integer arithmetic so the output is
 * identical on every platform and Node version:
 *
 * - `Prng`: a sequential stream (sfc32, Chris Doty-Humphrey's "small fast counting" generator, which passes
 *   PractRand to 2^40+ bytes and needs four adds/xors/shifts per draw). Each actor owns one, so its sequence of
 *   draws does not depend on how actors interleave.
 * - `hash32`/`hashUnit`: stateless hashing of (seed, salt, index…) for attributes that must be recomputable from
 *   an index alone (a subscriber's contacts, home cell, IMEI), so nothing per subscriber has to be stored.
 *
 * Never `Math.random`: a run must be reproducible from its seed.
 */

const TWO_POW_32 = 4_294_967_296;

/** Murmur3's 32-bit finaliser: every input bit affects every output bit. */
export function fmix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of up to four integers (each folded to 32 bits), as an unsigned 32-bit integer. */
export function hash32(a: number, b: number, c = 0, d = 0): number {
  let h = fmix32(a ^ 0x9e37_79b9);
  h = fmix32(h ^ Math.imul(b | 0, 0x27d4_eb2f) ^ ((b / TWO_POW_32) | 0));
  h = fmix32(h ^ Math.imul(c | 0, 0x1656_67b1) ^ ((c / TWO_POW_32) | 0));
  return fmix32(h ^ Math.imul(d | 0, 0x61c8_8647));
}

/** `hash32` mapped to [0, 1). */
export function hashUnit(a: number, b: number, c = 0, d = 0): number {
  return hash32(a, b, c, d) / TWO_POW_32;
}

/** A sequential seeded stream (sfc32). */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Box–Muller makes normal deviates in pairs; the second waits here. */
  private spareNormal = Number.NaN;

  /** `keys` select an independent stream for the same seed (e.g. an actor kind and index). */
  constructor(seed: number, ...keys: number[]) {
    let h = hash32(seed, 0x5eed);
    for (const key of keys) h = hash32(h, key);
    this.a = h;
    this.b = hash32(h, 1);
    this.c = hash32(h, 2);
    this.d = 1;
    // The first outputs of a freshly keyed sfc32 are correlated with the key; the reference discards 12.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform in (0, 1]: safe under `Math.log`. */
  nextOpen(): number {
    return (this.nextUint32() + 1) / TWO_POW_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [min, max]. */
  intBetween(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform real in [min, max). */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** Log-uniform real in [min, max): as likely to land in 1–10 as in 10–100. */
  logBetween(min: number, max: number): number {
    return min * Math.exp(this.next() * Math.log(max / min));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(this.nextOpen()) * mean;
  }

  /** Standard normal (Box–Muller, polar form avoided: it rejects, which makes draw counts data-dependent). */
  normal(): number {
    const spare = this.spareNormal;
    if (!Number.isNaN(spare)) {
      this.spareNormal = Number.NaN;
      return spare;
    }
    const radius = Math.sqrt(-2 * Math.log(this.nextOpen()));
    const angle = 2 * Math.PI * this.next();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** Log-normal with the given median and log-space standard deviation. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }
}

/** A standard normal deviate from two stateless hash uniforms (for per-index attributes). */
export function hashNormal(a: number, b: number, c: number): number {
  const u1 = (hash32(a, b, c, 1) + 1) / TWO_POW_32;
  const u2 = hash32(a, b, c, 2) / TWO_POW_32;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
