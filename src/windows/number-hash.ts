/**
 * Hashing of phone numbers held as doubles (integers below 2^53). E.164 numbers are dense and sequential, so
 * the two 32-bit halves are mixed with murmur3's finaliser before any table uses the bits.
 */

const TWO_POW_32 = 4_294_967_296;

/** A well-mixed unsigned 32-bit hash of a non-negative integer below 2^53. */
export function hashNumber(value: number): number {
  const low = value >>> 0;
  const high = (value / TWO_POW_32) >>> 0;
  let h = Math.imul(low ^ Math.imul(high, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Maps a 32-bit hash onto `[0, capacity)` without a modulo (capacities are not powers of two, so tables can
 * grow by 1.5×). `scale` is `capacity / 2^32`; the clamp covers float rounding at the very top of the range.
 */
export function homeSlot(hash: number, scale: number, capacity: number): number {
  const slot = Math.floor(hash * scale);
  return slot < capacity ? slot : capacity - 1;
}

export function slotScale(capacity: number): number {
  return capacity / TWO_POW_32;
}
