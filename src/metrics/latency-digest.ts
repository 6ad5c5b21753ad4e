/**
 * Event-to-alert latency quantiles. Each worker keeps a t-digest that covers roughly the last two rotation
 * periods (current + previous) and ships its centroids; the main thread merges every worker's centroids into
 * one digest at scrape time. prom-client's Summary is not used: its rotating digests mis-rotate.
 */
import tdigest from 'tdigest';

const { TDigest } = tdigest;

export interface Centroid {
  mean: number;
  n: number;
}

export class RotatingDigest {
  private current = new TDigest();
  private previous = new TDigest();
  private rotatedAtMs: number;

  /** @param rotateEveryMs how long a sample stays visible: between one and two of these. @default 60_000 */
  constructor(
    private readonly rotateEveryMs = 60_000,
    nowMs = Date.now(),
  ) {
    this.rotatedAtMs = nowMs;
  }

  record(value: number, nowMs = Date.now()): void {
    this.maybeRotate(nowMs);
    this.current.push(value);
  }

  centroids(nowMs = Date.now()): Centroid[] {
    this.maybeRotate(nowMs);
    return [...this.previous.toArray(), ...this.current.toArray()].map((c) => ({ mean: c.mean, n: c.n }));
  }

  private maybeRotate(nowMs: number): void {
    if (nowMs - this.rotatedAtMs < this.rotateEveryMs) return;
    // Two periods without samples leave nothing to keep.
    this.previous = nowMs - this.rotatedAtMs >= 2 * this.rotateEveryMs ? new TDigest() : this.current;
    this.current = new TDigest();
    this.rotatedAtMs = nowMs;
  }
}

/** Merges centroid sets (one per worker) and reads quantiles; undefined when there are no samples. */
export function mergedQuantiles(
  sets: Iterable<readonly Centroid[]>,
  quantiles: readonly number[],
): number[] | undefined {
  const merged = new TDigest();
  let any = false;
  for (const set of sets) {
    if (set.length === 0) continue;
    merged.push_centroid(set.map((c) => ({ mean: c.mean, n: c.n })));
    any = true;
  }
  if (!any) return undefined;
  merged.compress();
  return quantiles.map((q) => merged.percentile(q));
}
