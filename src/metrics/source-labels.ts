/**
 * The `source` label of the per-source metrics: the CDR's `switch` field. Label values are bounded, because
 * every value is a set of Prometheus series kept for as long as the process runs, and `switch` is whatever
 * the switches write: a mediation fault that puts a call id or a timestamp there would otherwise create a
 * series per record and grow the engine's memory and Prometheus's without limit. The first `max` distinct
 * sources a process sees keep their own label; later ones are counted under `other`. Records without a
 * readable `switch` count under `unknown`. Neither `other` nor `unknown` takes one of the `max` places.
 */

/** Records whose `switch` is absent or unreadable. */
export const UNKNOWN_SOURCE = 'unknown';
/** Sources seen after the first `max` distinct ones. */
export const OTHER_SOURCE = 'other';

/** One source's counts since the last report (worker → main thread, inside `WorkerMetricsReport`). */
export interface SourceTally {
  source: string;
  /** Valid records stored (duplicates of a recent call_id are not counted). */
  accepted: number;
  /** Of `accepted`, those older than the watermark (stored, not windowed). */
  late: number;
  /** Dead-lettered records by reason code. */
  rejected: [reason: string, count: number][];
  /** Clock-skew histogram of the accepted records: `[bucket, count]` pairs (skew-histogram.ts). */
  skew: [bucket: number, count: number][];
}

export class SourceLabels {
  private readonly known = new Set<string>();

  constructor(readonly max: number) {}

  /** The label `source` is counted under. */
  labelOf(source: string | undefined): string {
    if (source === undefined || source === '') return UNKNOWN_SOURCE;
    // A switch that calls itself one of the reserved names is counted with them.
    if (source === UNKNOWN_SOURCE || source === OTHER_SOURCE) return source;
    if (this.known.has(source)) return source;
    if (this.known.size >= this.max) return OTHER_SOURCE;
    this.known.add(source);
    return source;
  }

  get size(): number {
    return this.known.size;
  }
}
