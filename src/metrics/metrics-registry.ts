/**
 * The main thread's single prom-client registry, built from METRIC_CATALOG. Workers' reports are folded in
 * with `applyWorkerReport`; the latency quantile gauges are computed at scrape time from the workers' digests.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { METRIC_CATALOG, type MetricName } from './metric-catalog.js';
import { mergedQuantiles, type Centroid } from './latency-digest.js';
import type { Labels, WorkerMetricsReport } from './worker-recorder.js';

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string>;

const QUANTILES = [0.5, 0.95, 0.99] as const;

export class Metrics {
  readonly registry = new Registry();
  private readonly metrics = new Map<MetricName, AnyMetric>();
  private readonly digests = new Map<string, Centroid[]>();

  constructor(version: string) {
    collectDefaultMetrics({ register: this.registry });
    const digests = this.digests;
    for (const spec of METRIC_CATALOG) {
      const common = {
        name: spec.name,
        help: spec.help,
        labelNames: [...spec.labels],
        registers: [this.registry],
      };
      let metric: AnyMetric;
      if (spec.name === 'sentinel_event_to_alert_quantile_seconds') {
        // Computed on scrape, so the gauges always reflect the latest merged digests.
        metric = new Gauge({
          ...common,
          collect() {
            this.reset();
            const values = mergedQuantiles(digests.values(), QUANTILES);
            QUANTILES.forEach((q, i) => {
              if (values !== undefined) this.set({ quantile: String(q) }, values[i]!);
            });
          },
        });
      } else if (spec.kind === 'counter') metric = new Counter(common);
      else if (spec.kind === 'gauge') metric = new Gauge(common);
      else metric = new Histogram({ ...common, buckets: [...('buckets' in spec ? spec.buckets : [])] });
      this.metrics.set(spec.name, metric);
    }
    this.gauge('sentinel_build_info').set({ version }, 1);
  }

  counter(name: MetricName): Counter<string> {
    const metric = this.metrics.get(name);
    if (!(metric instanceof Counter)) throw new Error(`${name} is not a counter`);
    return metric;
  }

  gauge(name: MetricName): Gauge<string> {
    const metric = this.metrics.get(name);
    if (!(metric instanceof Gauge)) throw new Error(`${name} is not a gauge`);
    return metric;
  }

  histogram(name: MetricName): Histogram<string> {
    const metric = this.metrics.get(name);
    if (!(metric instanceof Histogram)) throw new Error(`${name} is not a histogram`);
    return metric;
  }

  applyWorkerReport(workerId: string, report: WorkerMetricsReport): void {
    for (const [name, labels, delta] of report.counters) this.counter(name).inc(labels as Labels, delta);
    for (const [name, labels, value] of report.gauges) this.gauge(name).set(labels as Labels, value);
    for (const [name, labels, values] of report.histograms) {
      const histogram = this.histogram(name);
      for (const value of values) histogram.observe(labels as Labels, value);
    }
    this.digests.set(workerId, report.latencyCentroids);
  }

  /** A worker that is gone no longer contributes latency samples. */
  forgetWorker(workerId: string): void {
    this.digests.delete(workerId);
  }

  async text(): Promise<string> {
    return await this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
