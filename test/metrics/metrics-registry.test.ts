import { describe, expect, it } from 'vitest';
import { METRIC_CATALOG, Metrics, WorkerMetricsRecorder } from '../../src/metrics/index.js';

describe('metrics registry', () => {
  it('exposes every catalogued metric', async () => {
    const text = await new Metrics('1.2.3').text();
    for (const spec of METRIC_CATALOG) expect(text).toContain(`# TYPE ${spec.name} ${spec.kind}`);
    expect(text).toContain('sentinel_build_info{version="1.2.3"} 1');
  });

  it('folds worker reports in as deltas and merges latency digests across workers', async () => {
    const metrics = new Metrics('test');
    const a = new WorkerMetricsRecorder();
    const b = new WorkerMetricsRecorder();
    a.inc('sentinel_cdr_ingestion_errors_total', { reason: 'invalid_caller' }, 2);
    b.inc('sentinel_cdr_ingestion_errors_total', { reason: 'invalid_caller' });
    for (let i = 1; i <= 100; i++) a.recordEventToAlert(i / 1_000);
    for (let i = 101; i <= 200; i++) b.recordEventToAlert(i / 1_000);
    metrics.applyWorkerReport('0', a.drain());
    metrics.applyWorkerReport('1', b.drain());
    // A second drain carries no counter deltas: nothing is counted twice.
    metrics.applyWorkerReport('0', a.drain());
    const text = await metrics.text();
    expect(text).toContain('sentinel_cdr_ingestion_errors_total{reason="invalid_caller"} 3');
    expect(text).toContain('sentinel_event_to_alert_seconds_count 200');
    const p50 = Number(
      /sentinel_event_to_alert_quantile_seconds\{quantile="0.5"\} ([\d.e-]+)/.exec(text)?.[1],
    );
    const p99 = Number(
      /sentinel_event_to_alert_quantile_seconds\{quantile="0.99"\} ([\d.e-]+)/.exec(text)?.[1],
    );
    expect(p50).toBeGreaterThan(0.09);
    expect(p50).toBeLessThan(0.11);
    expect(p99).toBeGreaterThan(0.19);
    expect(p99).toBeLessThanOrEqual(0.2);
  });
});
