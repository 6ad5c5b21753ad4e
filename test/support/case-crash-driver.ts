/**
 * A child process for the publish-after-commit crash test (test/engine/case-publish-crash.int.test.ts): one
 * shard worker's sink and publishing, made of the production pieces (worker connections and publishers, the
 * worker sink with its CommittedPublisher, the partition claim and the outbox hand-over), fed batches of
 * realistic case events and alerts. With `FAULT_KILL_AFTER_COMMIT=n` in its environment the worker sink SIGKILLs the
 * process after the n-th commit that stored alerts or case events, before publishing them.
 *
 * Each run claims the partition like a new owner (a higher epoch), publishes the outbox first, then writes
 * every batch again from the beginning: batches at or below the committed offset are a replay (their records
 * are skipped by offset, their case events by key), the rest are new. Usage:
 * `node case-crash-driver.js '<json DriverArgs>'`; prints `{"done":true,…}` and exits 0 when it finishes.
 */
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { WorkerMetricsRecorder } from '../../src/metrics/index.js';
import { closeWorkerConnections, openWorkerConnections } from '../../src/engine/worker/worker-connections.js';
import { openWorkerSink } from '../../src/engine/worker/worker-sink.js';
import type { AlertMessage } from '../../src/windows/index.js';
import { caseEvents } from './case-events.js';

/** The 10-minute window's alert of one batch, as the engine emits them beside case events. */
function batchAlert(seq: number, atMs: number): AlertMessage {
  const caller = String(2348020000000 + (seq % 6));
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    alert_key: `sdhf:600:${caller}:${atMs}:${seq}`,
    episode_key: `sdhf:600:${caller}:${atMs}`,
    alert_type: 'SDHF_SIMBOX',
    detection_rule: 'SDHF_001',
    rule: 'sdhf',
    window_seconds: 600,
    suspect_number: caller,
    alert_severity: 'HIGH',
    call_count: 120,
    unique_destinations: 104,
    avg_duration_seconds: 1.7,
    window_start: iso(atMs - 600_000),
    window_end: iso(atMs),
    first_event_at: iso(atMs - 590_000),
    last_event_at: iso(atMs),
    evidence_summary: `Caller ${caller} made 120 calls to 104 distinct numbers in 10m, avg duration 1.7s`,
    created_at: iso(atMs + 40),
    event_to_alert_ms: 40,
    reason: seq % 2 === 0 ? 'opened' : 'escalated',
  };
}

export interface DriverArgs {
  natsUrl: string;
  databaseUrl: string;
  consumer: string;
  partition: number;
  epoch: number;
  suspects: number;
  /** Case events per committed batch. */
  eventsPerBatch: number;
  baseMs: number;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as DriverArgs;
  const logger = pino({ level: 'warn' });
  const config = loadConfig({ ...process.env, NATS_URL: args.natsUrl, DATABASE_URL: args.databaseUrl });
  const connections = await openWorkerConnections(args.natsUrl, 0, logger);
  const io = openWorkerSink({
    config,
    databaseUrl: args.databaseUrl,
    consumerGroup: args.consumer,
    metrics: new WorkerMetricsRecorder(),
    logger,
    connections,
    onCommitted: () => undefined,
    onFenced: () => undefined,
  });
  const claim = await io.writer.claimPartition({
    partition: args.partition,
    epoch: args.epoch,
    stream: 'CDR_P00@crash-test',
    owner: `driver-${args.epoch}`,
  });
  if (!claim.claimed) throw new Error('the partition claim was fenced');
  io.sink.setEpoch(args.partition, args.epoch);
  const republished = await io.published.publishBacklog(args.partition);

  const events = Array.from({ length: args.suspects }, (_unused, k) =>
    caseEvents(String(2348020000000 + k), args.baseMs + k * 1_000),
  ).flat();
  // In the order the engine would emit them: by event time, then by suspect.
  events.sort((a, b) => a.atMs - b.atMs || a.caseKey.localeCompare(b.caseKey));
  for (let first = 0, seq = 1; first < events.length; first += args.eventsPerBatch, seq += 1) {
    io.sink.addRecord({
      callId: `crash-${seq}`,
      caller: '2348020000000',
      callee: String(2348100000000 + seq),
      startMs: args.baseMs + seq * 1_000,
      durationSeconds: 1,
      partition: args.partition,
      streamSeq: seq,
      late: false,
    });
    for (const event of events.slice(first, first + args.eventsPerBatch))
      io.sink.addCaseEvent(event, args.partition);
    io.sink.addAlert(batchAlert(seq, args.baseMs + seq * 1_000), args.partition);
    await io.sink.flush();
  }
  await io.sink.close();
  await closeWorkerConnections(connections);
  await io.published.flushMarks();
  await io.writer.close();
  process.stdout.write(`${JSON.stringify({ done: true, republished })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
