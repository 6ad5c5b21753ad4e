/**
 * The per-source part of METRIC_CATALOG: `source` is the CDR's `switch` (bounded by SOURCE_LABELS_MAX, the rest
 * under `other`, records without one under `unknown`; docs/metrics.md#per-source-metrics).
 */
import type { MetricSpec } from './metric-catalog.js';

export const SOURCE_METRICS = [
  {
    name: 'sentinel_source_records_total',
    kind: 'counter',
    help: 'Live CDRs read by the shard workers per source (switch): outcome accepted (stored) or rejected (dead-lettered).',
    labels: ['source', 'outcome'],
  },
  {
    name: 'sentinel_source_rejected_total',
    kind: 'counter',
    help: 'Live CDRs dead-lettered per source (switch) and reason code; unknown when the switch cannot be read.',
    labels: ['source', 'reason'],
  },
  {
    name: 'sentinel_source_late_records_total',
    kind: 'counter',
    help: 'Accepted CDRs older than the watermark (stored, not windowed), per source (switch).',
    labels: ['source'],
  },
  {
    name: 'sentinel_source_clock_skew_seconds',
    kind: 'gauge',
    help: 'Arrival (decoded by the worker) minus CDR start, p50 and p99 per source over SOURCE_HEALTH_WINDOW.',
    labels: ['source', 'quantile'],
  },
] as const satisfies readonly MetricSpec[];
