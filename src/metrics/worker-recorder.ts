/**
 * The worker-thread side of metrics: plain numbers, no prom-client. Counters accumulate deltas and
 * histograms raw observations until `drain()`, which the worker posts to the main thread about once a second.
 */
import type { MetricName } from './metric-catalog.js';
import { RotatingDigest, type Centroid } from './latency-digest.js';
import type { SourceTally } from './source-labels.js';

export type Labels = Readonly<Record<string, string>>;

export interface WorkerMetricsReport {
  counters: [MetricName, Labels, number][];
  gauges: [MetricName, Labels, number][];
  histograms: [MetricName, Labels, number[]][];
  latencyCentroids: Centroid[];
  /** Per-source counts since the last report (shard workers only). */
  sources?: SourceTally[];
}

function keyOf(name: string, labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`);
  return `${name}|${parts.join(',')}`;
}

export class WorkerMetricsRecorder {
  private readonly counters = new Map<string, [MetricName, Labels, number]>();
  private readonly gauges = new Map<string, [MetricName, Labels, number]>();
  private readonly histograms = new Map<string, [MetricName, Labels, number[]]>();
  private readonly latency = new RotatingDigest();

  inc(name: MetricName, labels: Labels = {}, by = 1): void {
    if (by === 0) return;
    const key = keyOf(name, labels);
    const entry = this.counters.get(key);
    if (entry) entry[2] += by;
    else this.counters.set(key, [name, labels, by]);
  }

  set(name: MetricName, labels: Labels, value: number): void {
    this.gauges.set(keyOf(name, labels), [name, labels, value]);
  }

  observe(name: MetricName, value: number, labels: Labels = {}): void {
    const key = keyOf(name, labels);
    const entry = this.histograms.get(key);
    if (entry) entry[2].push(value);
    else this.histograms.set(key, [name, labels, [value]]);
  }

  /** Event-to-alert latency: feeds both the histogram and the worker's t-digest. */
  recordEventToAlert(seconds: number): void {
    this.observe('sentinel_event_to_alert_seconds', seconds);
    this.latency.record(seconds);
  }

  drain(): WorkerMetricsReport {
    const report: WorkerMetricsReport = {
      counters: [...this.counters.values()],
      gauges: [...this.gauges.values()],
      histograms: [...this.histograms.values()],
      latencyCentroids: this.latency.centroids(),
    };
    this.counters.clear();
    this.histograms.clear();
    return report;
  }
}
