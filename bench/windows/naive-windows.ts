/**
 * The naive design, as the prototype's baseline: per caller a `Map` of callee → last seen time and plain
 * arrays of events, per window a tail index and running count/sum/distinct, the same SDHF check per event.
 * It is here for speed and memory only. It treats out-of-order records as if they arrived in order and
 * counts an exact duplicate (same callee, same ms) leaving a window twice, so its counts can differ slightly
 * from the engine's on such input.
 */

interface NaiveCaller {
  times: number[];
  callees: number[];
  durations: number[];
  /** Index of the first event still held (older ones are dropped in bulk now and then). */
  start: number;
  tails: number[];
  counts: number[];
  sums: number[];
  distinct: number[];
  lastSeen: Map<number, number>;
}

export class NaiveWindows {
  private readonly callers = new Map<number, NaiveCaller>();
  private readonly longest: number;
  eventsHeld = 0;
  flagged = 0;

  constructor(
    private readonly windowsMs: readonly number[],
    private readonly minDistinct = 50,
    private readonly maxAvgSeconds = 3,
  ) {
    this.longest = windowsMs[windowsMs.length - 1]!;
  }

  process(caller: number, callee: number, t: number, durationSeconds: number): void {
    let c = this.callers.get(caller);
    if (c === undefined) {
      const zeros = this.windowsMs.map(() => 0);
      c = {
        times: [],
        callees: [],
        durations: [],
        start: 0,
        tails: [...zeros],
        counts: [...zeros],
        sums: [...zeros],
        distinct: [...zeros],
        lastSeen: new Map(),
      };
      this.callers.set(caller, c);
    }
    const previous = c.lastSeen.get(callee);
    c.lastSeen.set(callee, t);
    c.times.push(t);
    c.callees.push(callee);
    c.durations.push(durationSeconds);
    this.eventsHeld++;
    for (let k = 0; k < this.windowsMs.length; k++) {
      const boundary = t - this.windowsMs[k]!;
      if (previous === undefined || previous <= boundary) c.distinct[k]!++;
      c.counts[k]!++;
      c.sums[k]! += durationSeconds;
      let tail = c.tails[k]!;
      while (c.times[tail]! <= boundary) {
        const gone = c.callees[tail]!;
        if (c.lastSeen.get(gone) === c.times[tail]) {
          c.distinct[k]!--;
          if (k === this.windowsMs.length - 1) c.lastSeen.delete(gone);
        }
        c.counts[k]!--;
        c.sums[k]! -= c.durations[tail]!;
        tail++;
      }
      c.tails[k] = tail;
      if (c.distinct[k]! > this.minDistinct && c.sums[k]! / c.counts[k]! < this.maxAvgSeconds) this.flagged++;
    }
    const longestTail = c.tails[this.windowsMs.length - 1]!;
    this.eventsHeld -= longestTail - c.start;
    c.start = longestTail;
    if (c.start > 64 && c.start * 2 > c.times.length) this.compact(c);
  }

  private compact(c: NaiveCaller): void {
    const drop = c.start;
    c.times.splice(0, drop);
    c.callees.splice(0, drop);
    c.durations.splice(0, drop);
    c.tails = c.tails.map((tail) => tail - drop);
    c.start = 0;
  }
}
