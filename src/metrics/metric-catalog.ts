/**
 * Every metric the engine exposes, in one table: the registry is built from it, docs/metrics.md documents
 * it and the deploy checks compare dashboards and alert rules against it. Names marked `seed` keep the
 * predecessor's names so existing dashboards, alerts and runbook commands keep working.
 */
import { SOURCE_METRICS } from './source-metric-catalog.js';

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  name: string;
  kind: MetricKind;
  help: string;
  labels: readonly string[];
  /** Seconds buckets for histograms. */
  buckets?: readonly number[];
  /** Kept from the predecessor (seed runbooks use it). */
  seed?: true;
}

const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const API_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];
const BATCH_ROW_BUCKETS = [1, 10, 100, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000];

export const METRIC_CATALOG = [
  // --- the predecessor's names, wired to the streaming engine ---
  {
    name: 'sentinel_cdr_records_ingested_total',
    kind: 'counter',
    help: 'Valid CDRs committed to call_records.',
    labels: [],
    seed: true,
  },
  {
    name: 'sentinel_cdr_records_duplicate_total',
    kind: 'counter',
    help: 'CDRs dropped as duplicates of a recent call_id.',
    labels: [],
    seed: true,
  },
  {
    name: 'sentinel_cdr_ingestion_errors_total',
    kind: 'counter',
    help: 'Invalid CDRs sent to the dead-letter path, by reason code.',
    labels: ['reason'],
    seed: true,
  },
  {
    name: 'sentinel_alerts_generated_total',
    kind: 'counter',
    help: 'Alert messages emitted (opened, escalated or re-alerted after cooldown).',
    labels: ['rule', 'severity'],
    seed: true,
  },
  {
    name: 'sentinel_alerts_by_severity_total',
    kind: 'counter',
    help: 'Alert messages emitted, by severity (predecessor name).',
    labels: ['severity'],
    seed: true,
  },
  {
    name: 'sentinel_detection_runs_total',
    kind: 'counter',
    help: 'On-demand SQL detection runs (POST /detect/sdhf).',
    labels: [],
    seed: true,
  },
  {
    name: 'sentinel_detection_duration_seconds',
    kind: 'histogram',
    help: 'Duration of on-demand SQL detection runs.',
    labels: [],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    seed: true,
  },
  {
    name: 'sentinel_last_detection_timestamp',
    kind: 'gauge',
    help: 'Unix time (s) a shard worker last evaluated a live CDR (on-demand SQL runs do not move it).',
    labels: [],
    seed: true,
  },
  {
    name: 'sentinel_unreviewed_alerts',
    kind: 'gauge',
    help: 'Open cases (one per suspect and rule family) not yet reviewed.',
    labels: [],
    seed: true,
  },
  {
    name: 'sentinel_database_pool_utilization',
    kind: 'gauge',
    help: 'Share of the API database pool in use (0-1).',
    labels: [],
    seed: true,
  },
  {
    name: 'sentinel_api_request_duration_seconds',
    kind: 'histogram',
    help: 'HTTP API request duration.',
    labels: ['method', 'endpoint', 'status'],
    buckets: API_BUCKETS_SECONDS,
    seed: true,
  },
  {
    name: 'sentinel_ingestion_duration_seconds',
    kind: 'histogram',
    help: 'Duration of CSV uploads (POST /ingest), parse to publish.',
    labels: [],
    buckets: API_BUCKETS_SECONDS,
    seed: true,
  },
  {
    name: 'sentinel_websocket_connections_total',
    kind: 'counter',
    help: 'Live alert feed connections accepted (WebSocket and SSE).',
    labels: ['transport'],
    seed: true,
  },
  {
    name: 'sentinel_active_websocket_connections',
    kind: 'gauge',
    help: 'Live alert feed connections open now (WebSocket and SSE).',
    labels: ['transport'],
    seed: true,
  },
  {
    name: 'sentinel_realtime_events_received_total',
    kind: 'counter',
    help: 'CDRs received one at a time on POST /events/call.',
    labels: [],
    seed: true,
  },
  // --- the pipeline ---
  {
    name: 'sentinel_records_consumed_total',
    kind: 'counter',
    help: 'Messages taken from the CDR stream by shard workers.',
    labels: ['phase'],
  },
  {
    name: 'sentinel_late_records_total',
    kind: 'counter',
    help: 'Valid CDRs older than the watermark: stored, not windowed.',
    labels: [],
  },
  {
    name: 'sentinel_dead_letters_total',
    kind: 'counter',
    help: 'Messages written to the CDR_DLQ stream and dead_letters table.',
    labels: ['reason'],
  },
  {
    name: 'sentinel_feed_records_total',
    kind: 'counter',
    help: 'Switch records taken from CDR_FEED by the feed normaliser, by profile and outcome (published, rejected, retried).',
    labels: ['profile', 'outcome'],
  },
  {
    name: 'sentinel_feed_pending',
    kind: 'gauge',
    help: 'Records waiting in CDR_FEED for the feed normaliser, per profile (as of the last delivery).',
    labels: ['profile'],
  },
  {
    name: 'sentinel_feed_rejected_total',
    kind: 'counter',
    help: 'Switch records the feed normaliser dead-lettered, by profile and reason code.',
    labels: ['profile', 'reason'],
  },
  ...SOURCE_METRICS,
  {
    name: 'sentinel_cdr_fields_dropped_total',
    kind: 'counter',
    help: 'Optional fields left out of accepted CDRs because their value was unusable, by field and reason.',
    labels: ['field', 'reason'],
  },
  {
    name: 'sentinel_consumer_pending',
    kind: 'gauge',
    help: 'Messages in the CDR stream not yet delivered to the partition consumer (lag).',
    labels: ['partition'],
  },
  {
    name: 'sentinel_window_callers',
    kind: 'gauge',
    help: 'Callers holding window state.',
    labels: ['worker'],
  },
  {
    name: 'sentinel_window_events',
    kind: 'gauge',
    help: 'Events held in the sliding windows.',
    labels: ['worker'],
  },
  {
    name: 'sentinel_window_bytes',
    kind: 'gauge',
    help: 'Bytes of window state (typed arrays).',
    labels: ['worker'],
  },
  {
    name: 'sentinel_copy_rows_total',
    kind: 'counter',
    help: 'Rows committed by COPY (call_records).',
    labels: [],
  },
  {
    name: 'sentinel_copy_batch_rows',
    kind: 'histogram',
    help: 'Rows per committed COPY batch.',
    labels: [],
    buckets: BATCH_ROW_BUCKETS,
  },
  {
    name: 'sentinel_copy_batch_duration_seconds',
    kind: 'histogram',
    help: 'Time to commit one batch: COPY, alerts, case events and offsets in one transaction.',
    labels: [],
    buckets: LATENCY_BUCKETS_SECONDS,
  },
  {
    name: 'sentinel_sink_buffered_rows',
    kind: 'gauge',
    help: 'Rows waiting for the Postgres sink.',
    labels: ['worker'],
  },
  {
    name: 'sentinel_sink_lag_seconds',
    kind: 'gauge',
    help: 'Age of the oldest record not yet committed to Postgres.',
    labels: ['worker'],
  },
  {
    name: 'sentinel_sink_retries_total',
    kind: 'counter',
    help: 'Failed sink transactions that were retried.',
    labels: [],
  },
  {
    name: 'sentinel_sink_circuit_state',
    kind: 'gauge',
    help: 'Sink circuit breaker: 0 closed, 1 half-open, 2 open.',
    labels: ['worker'],
  },
  {
    name: 'sentinel_worker_state',
    kind: 'gauge',
    help: '1 for the state each shard worker is in (starting, ready, failed, stopping).',
    labels: ['worker', 'state'],
  },
  {
    name: 'sentinel_worker_restarts_total',
    kind: 'counter',
    help: 'Shard workers restarted after a crash.',
    labels: [],
  },
  {
    name: 'sentinel_replay_records_total',
    kind: 'counter',
    help: 'Messages re-applied to the windows during start-up replay.',
    labels: [],
  },
  {
    name: 'sentinel_checkpoint_restores_total',
    kind: 'counter',
    help: 'Partitions started from a checkpoint (result=restored) or without one (absent, unusable).',
    labels: ['result'],
  },
  {
    name: 'sentinel_checkpoints_written_total',
    kind: 'counter',
    help: 'Partition checkpoints written (result=ok), failed (error) or dropped because Postgres had not committed their records in time (uncommitted).',
    labels: ['result'],
  },
  {
    name: 'sentinel_checkpoint_write_seconds',
    kind: 'histogram',
    help: 'From taking a partition snapshot to its checkpoint file being durable, commit wait included.',
    labels: [],
    buckets: LATENCY_BUCKETS_SECONDS,
  },
  {
    name: 'sentinel_checkpoint_age_seconds',
    kind: 'gauge',
    help: 'Age of the oldest partition checkpoint of a worker (since its start when a partition has none): how much a restart would replay.',
    labels: ['worker'],
  },
  {
    name: 'sentinel_event_to_alert_seconds',
    kind: 'histogram',
    help: 'From the triggering CDR reaching its worker to the alert being published.',
    labels: [],
    buckets: LATENCY_BUCKETS_SECONDS,
  },
  {
    name: 'sentinel_event_to_alert_quantile_seconds',
    kind: 'gauge',
    help: 'Event-to-alert latency quantiles (p50/p95/p99) from per-worker t-digests merged in the main thread.',
    labels: ['quantile'],
  },
  {
    name: 'sentinel_alerts_published_total',
    kind: 'counter',
    help: 'Alert messages acknowledged by the ALERTS stream.',
    labels: [],
  },
  {
    name: 'sentinel_case_events_stored_total',
    kind: 'counter',
    help: 'Case events newly stored in case_events (and folded into cases) by the shard workers.',
    labels: [],
  },
  {
    name: 'sentinel_case_events_published_total',
    kind: 'counter',
    help: 'Case event messages acknowledged by the CASES stream, after their commit or from the outbox.',
    labels: [],
  },
  {
    name: 'sentinel_nats_connected',
    kind: 'gauge',
    help: '1 when the main thread is connected to NATS, 0 while it is disconnected or reconnecting.',
    labels: [],
  },
  // --- partition ownership (leases, fencing, rebalancing) ---
  {
    name: 'sentinel_partition_leases_held',
    kind: 'gauge',
    help: 'Partition leases this instance holds (hand-offs in progress included).',
    labels: [],
  },
  {
    name: 'sentinel_partition_state',
    kind: 'gauge',
    help: '1 for the state each partition this instance holds is in (opening, replaying, ready).',
    labels: ['partition', 'state'],
  },
  {
    name: 'sentinel_ownership_members',
    kind: 'gauge',
    help: 'Engine instances of this consumer group with a live heartbeat, as this instance sees them.',
    labels: [],
  },
  {
    name: 'sentinel_partitions_unowned',
    kind: 'gauge',
    help: 'Partitions with no live lease, as this instance last saw them (0 when the group is healthy).',
    labels: [],
  },
  {
    name: 'sentinel_rebalances_total',
    kind: 'counter',
    help: 'Partitions this instance took (reason=claimed), handed off (released), or lost because its lease lapsed or was taken (lost).',
    labels: ['reason'],
  },
  {
    name: 'sentinel_fenced_commits_total',
    kind: 'counter',
    help: 'Claims or commits Postgres refused because a newer owner holds the partition (stage=claim|commit); the partition is stopped.',
    labels: ['stage'],
  },
  {
    name: 'sentinel_offset_resets_total',
    kind: 'counter',
    help: 'Partitions whose committed offset belonged to an earlier stream of the same name and was started over.',
    labels: [],
  },
  {
    name: 'sentinel_partition_takeover_seconds',
    kind: 'histogram',
    help: 'From winning a partition lease to the partition being caught up (claim, restore, replay of the tail).',
    labels: [],
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
  },
  {
    name: 'sentinel_build_info',
    kind: 'gauge',
    help: 'Always 1; labels carry the version.',
    labels: ['version'],
  },
] as const satisfies readonly MetricSpec[];

export type MetricName = (typeof METRIC_CATALOG)[number]['name'];

/** Standard process metrics from prom-client's collectDefaultMetrics (unprefixed, as dashboards expect). */
export const DEFAULT_PROCESS_METRICS = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'process_start_time_seconds',
  'nodejs_heap_size_used_bytes',
  'nodejs_eventloop_lag_p99_seconds',
] as const;
