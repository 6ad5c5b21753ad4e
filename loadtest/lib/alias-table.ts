/**
 * Walker/Vose alias table: O(1) weighted choice among n items after O(n) set-up. The normal population is one
 * Poisson process whose events are assigned to subscribers in proportion to their call rates (superposing
 * independent Poisson processes gives exactly that), so choosing "who calls next" must not cost O(log n).
 */
import type { Prng } from './prng.js';

export class AliasTable {
  private readonly probability: Float64Array;
  private readonly alias: Int32Array;
  readonly size: number;

  /** `weights` must be non-negative with a positive sum. */
  constructor(weights: Float64Array) {
    const n = weights.length;
    if (n === 0) throw new RangeError('an alias table needs at least one weight');
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i] as number;
    if (!(total > 0)) throw new RangeError('alias table weights must have a positive sum');
    this.size = n;
    this.probability = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    // Two stacks in one array: small items grow from the front, large ones from the back.
    const work = new Int32Array(n);
    let small = 0;
    let large = n;
    for (let i = 0; i < n; i++) {
      const value = ((weights[i] as number) * n) / total;
      scaled[i] = value;
      if (value < 1) work[small++] = i;
      else work[--large] = i;
    }
    while (small > 0 && large < n) {
      const less = work[--small] as number;
      const more = work[large++] as number;
      this.probability[less] = scaled[less] as number;
      this.alias[less] = more;
      const rest = (scaled[more] as number) + (scaled[less] as number) - 1;
      scaled[more] = rest;
      if (rest < 1) work[small++] = more;
      else work[--large] = more;
    }
    // Whatever is left is 1 up to rounding.
    while (small > 0) this.probability[work[--small] as number] = 1;
    while (large < n) this.probability[work[large++] as number] = 1;
  }

  sample(prng: Prng): number {
    const column = prng.int(this.size);
    return prng.next() < (this.probability[column] as number) ? column : (this.alias[column] as number);
  }
}
