/**
 * Walker/Vose alias table: O(1) weighted choice among n items after O(n) set-up. The normal population is one
 * Poisson process whose events are assigned to subscribers in proportion to their call rates (superposing
 * independent Poisson processes gives exactly that), so choosing "who calls next" must not cost O(log n).
 *
 * Each column's acceptance threshold and alias sit side by side in one array: with a million subscribers the
 * table is 8 MB, and a draw then costs one cache miss instead of two.
 */
import type { Prng } from './prng.js';

const TWO_POW_32 = 4_294_967_296;

export class AliasTable {
  /** Per column: `[threshold (u32: accept the column when a draw is below it), alias]`. */
  private readonly columns: Uint32Array;
  readonly size: number;

  /** `weights` must be non-negative with a positive sum. */
  constructor(weights: Float64Array) {
    const n = weights.length;
    if (n === 0) throw new RangeError('an alias table needs at least one weight');
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i] as number;
    if (!(total > 0)) throw new RangeError('alias table weights must have a positive sum');
    this.size = n;
    const probability = new Float64Array(n);
    const alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    // Two stacks in one array: small items grow from the front, large ones from the back.
    const work = new Int32Array(n);
    let small = 0;
    let large = n;
    for (let i = 0; i < n; i++) {
      const value = ((weights[i] as number) * n) / total;
      scaled[i] = value;
      alias[i] = i;
      if (value < 1) work[small++] = i;
      else work[--large] = i;
    }
    while (small > 0 && large < n) {
      const less = work[--small] as number;
      const more = work[large++] as number;
      probability[less] = scaled[less] as number;
      alias[less] = more;
      const rest = (scaled[more] as number) + (scaled[less] as number) - 1;
      scaled[more] = rest;
      if (rest < 1) work[small++] = more;
      else work[--large] = more;
    }
    // Whatever is left is 1 up to rounding.
    while (small > 0) probability[work[--small] as number] = 1;
    while (large < n) probability[work[large++] as number] = 1;
    this.columns = new Uint32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const p = probability[i] as number;
      // draw < ceil(p * 2^32) is exactly next() < p; for p = 1 the one rejected draw maps to the column itself.
      this.columns[2 * i] = p >= 1 ? TWO_POW_32 - 1 : Math.ceil(p * TWO_POW_32);
      this.columns[2 * i + 1] = alias[i] as number;
    }
  }

  sample(prng: Prng): number {
    const column = prng.int(this.size);
    const at = 2 * column;
    return prng.nextUint32() < (this.columns[at] as number) ? column : (this.columns[at + 1] as number);
  }
}
