export { METRIC_CATALOG, DEFAULT_PROCESS_METRICS } from './metric-catalog.js';
export type { MetricName, MetricSpec, MetricKind } from './metric-catalog.js';
export { Metrics } from './metrics-registry.js';
export { WorkerMetricsRecorder } from './worker-recorder.js';
export type { WorkerMetricsReport, Labels } from './worker-recorder.js';
export { RotatingDigest, mergedQuantiles } from './latency-digest.js';
export type { Centroid } from './latency-digest.js';
