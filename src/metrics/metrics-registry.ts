/**
 * The main thread's single prom-client registry, built from METRIC_CATALOG. Workers' reports are folded in
 * with `applyWorkerReport`; the latency quantile gauges are computed at scrape time from the workers' digests.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { METRIC_CATALOG, type MetricName } from './metric-catalog.js';
import { mergedQuantiles, type Centroid } from './latency-digest.js';
import type { Labels, WorkerMetricsReport } from './worker-recorder.js';
import { DEFAULT_SOURCE_HEALTH, SourceTable, type SourceHealthOptions } from './source-table.js';

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string>;

const QUANTILES = [0.5, 0.95, 0.99] as const;

/** The gauges computed at scrape time rather than set. */
type ComputedGauge = 'sentinel_event_to_alert_quantile_seconds' | 'sentinel_source_clock_skew_seconds';

export class Metrics {
  readonly registry = new Registry();
  private readonly metrics = new Map<MetricName, AnyMetric>();
  private readonly digests = new Map<string, Centroid[]>();
  /** Per-source figures (records, rejected, late, skew) for the counters and detailed health. */
  readonly sources: SourceTable;

  constructor(version: string, sourceHealth: SourceHealthOptions = DEFAULT_SOURCE_HEALTH) {
    collectDefaultMetrics({ register: this.registry });
    const digests = this.digests;
    const computed: Record<ComputedGauge, (gauge: Gauge<string>) => void> = {
      // Computed on scrape, so the gauges always reflect the latest merged digests.
      sentinel_event_to_alert_quantile_seconds(gauge) {
        const values = mergedQuantiles(digests.values(), QUANTILES);
        QUANTILES.forEach((q, i) => {
          if (values !== undefined) gauge.set({ quantile: String(q) }, values[i]!);
        });
      },
      // Over the health window: a source that stopped sending drops out.
      sentinel_source_clock_skew_seconds: (gauge) => {
        for (const figures of this.sources.snapshot().sources) {
          const { source, skewP50Seconds: p50, skewP99Seconds: p99 } = figures;
          if (p50 !== null) gauge.set({ source, quantile: '0.5' }, p50);
          if (p99 !== null) gauge.set({ source, quantile: '0.99' }, p99);
        }
      },
    };
    for (const spec of METRIC_CATALOG) {
      const common = {
        name: spec.name,
        help: spec.help,
        labelNames: [...spec.labels],
        registers: [this.registry],
      };
      let metric: AnyMetric;
      if (spec.name in computed) {
        const fill = computed[spec.name as ComputedGauge];
        metric = new Gauge({
          ...common,
          collect() {
            this.reset();
            fill(this);
          },
        });
      } else if (spec.kind === 'counter') metric = new Counter(common);
      else if (spec.kind === 'gauge') metric = new Gauge(common);
      else metric = new Histogram({ ...common, buckets: [...('buckets' in spec ? spec.buckets : [])] });
      this.metrics.set(spec.name, metric);
    }
    this.gauge('sentinel_build_info').set({ version }, 1);
    this.sources = new SourceTable(sourceHealth, {
      records: this.counter('sentinel_source_records_total'),
      rejected: this.counter('sentinel_source_rejected_total'),
      late: this.counter('sentinel_source_late_records_total'),
    });
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
    if (report.sources !== undefined) this.sources.apply(report.sources);
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
