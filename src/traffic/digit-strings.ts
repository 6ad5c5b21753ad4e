/**
 * Integer → decimal text for the record builder's hot path. `String(n)` on a number above 2^31 takes V8's
 * general double-to-string path, measured here at 5–6× the cost of joining pre-built 4-digit chunks, and each
 * record formats five or six such numbers (caller, callee, IMSI, IMEI, epoch start, sequence).
 */

const PADDED = Array.from({ length: 10_000 }, (_, n) => String(n).padStart(4, '0'));
const PLAIN = Array.from({ length: 10_000 }, (_, n) => String(n));
const CHUNK = 10_000;

/** `n` in 0..~1e16 quotient and remainder by 10_000, exact (a rounded quotient near an integer is corrected). */
function splitChunk(n: number): number {
  let high = Math.floor(n / CHUNK);
  if (n - high * CHUNK < 0) high -= 1;
  return high;
}

/** Decimal digits of a non-negative integer below 10^16 (no sign, no leading zeros). */
export function digitsOf(n: number): string {
  if (n < CHUNK) return PLAIN[n] as string;
  const high1 = splitChunk(n);
  const low1 = PADDED[n - high1 * CHUNK] as string;
  if (high1 < CHUNK) return (PLAIN[high1] as string) + low1;
  const high2 = splitChunk(high1);
  const low2 = PADDED[high1 - high2 * CHUNK] as string;
  if (high2 < CHUNK) return (PLAIN[high2] as string) + low2 + low1;
  const high3 = splitChunk(high2);
  const low3 = PADDED[high2 - high3 * CHUNK] as string;
  if (high3 < CHUNK) return (PLAIN[high3] as string) + low3 + low2 + low1;
  return String(n);
}
