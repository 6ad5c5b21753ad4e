/**
 * Latency under a steady offered rate against a running engine:
 * - publish → alert on NATS: every SDHF CDR's publish time is kept by (caller, start); an alert names its
 *   triggering CDR by (suspect_number, last_event_at), so latency = alert receipt − that CDR's publish;
 * - publish → row visible in Postgres: ten probes a second go out with `js.publish` (whose PubAck gives the
 *   stream sequence); a poller reads `sink_offsets` every 10 ms, and a probe is visible once its partition's
 *   committed sequence reaches it (the offsets commit in the same transaction as the rows).
 */
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type pg from 'pg';
import type { Logger } from 'pino';
import { CdrPublisher, cdrSubject } from '../../src/stream/index.js';
import { partitionOf } from '../../src/codec/index.js';
import type { AlertMessage } from '../../src/windows/index.js';
import { perSecond, sleep, summarizeLatencies, type LatencySummary } from './bench-stats.js';
import { CpuMeter, type CpuUsage, type ProcessGroups } from './process-usage.js';
import { recordJson, subscriberNumber, type SteadyTraffic } from './synthetic-cdrs.js';

export interface SteadyRunOptions {
  nc: NatsConnection;
  pool: pg.Pool;
  consumerGroup: string;
  partitions: number;
  ratePerSecond: number;
  seconds: number;
  traffic: SteadyTraffic;
  groups: ProcessGroups;
  logger: Logger;
  /** Tag for probe call ids. */
  runTag: string;
  /** Sum of the engine's consumer backlogs (from its health report). */
  pendingBacklog: () => Promise<number>;
}

export interface SteadyRunResult {
  offeredPerSecond: number;
  achievedPerSecond: number;
  published: number;
  sdhfPublished: number;
  /** How far the publisher was behind its schedule when the run ended, ms. */
  publisherLagMs: number;
  alertsReceived: number;
  alertsMatched: number;
  publishToAlertMs: LatencySummary;
  /** The engine's own figure in each alert: stream stored time → emission. */
  engineEventToAlertMs: LatencySummary;
  publishToCommitMs: LatencySummary;
  probesUnresolved: number;
  backlogAtEnd: number;
  saturated: boolean;
  cpu: CpuUsage;
}

interface Probe {
  partition: number;
  seq: number;
  sentAtMs: number;
}

const PROBE_INTERVAL_MS = 100;
const OFFSET_POLL_MS = 10;
const SETTLE_MS = 10_000;

export async function runSteadyLatency(options: SteadyRunOptions): Promise<SteadyRunResult> {
  const { nc, pool, traffic } = options;
  const publishTimes = new Map<string, number>();
  const alertLatencies: number[] = [];
  const engineLatencies: number[] = [];
  let alertsReceived = 0;
  const subscription = nc.subscribe('sentinel.alerts.>', {
    callback: (error, msg) => {
      if (error) return;
      const receivedMs = performance.now();
      const alert = msg.json<AlertMessage>();
      alertsReceived++;
      engineLatencies.push(alert.event_to_alert_ms);
      const sentMs = publishTimes.get(`${alert.suspect_number}:${Date.parse(alert.last_event_at)}`);
      if (sentMs !== undefined) alertLatencies.push(receivedMs - sentMs);
    },
  });
  await nc.flush();

  const publisher = new CdrPublisher(nc, {
    partitions: options.partitions,
    logger: options.logger,
    maxInFlight: 4_096,
  });
  const encoder = new TextEncoder();
  const js = jetstream(nc);
  const pendingProbes: Probe[] = [];
  const commitLatencies: number[] = [];
  let probesSent = 0;
  let polling = true;
  let stopAtMs = Number.POSITIVE_INFINITY;
  const poller = (async () => {
    while (polling || pendingProbes.length > 0) {
      await sleep(OFFSET_POLL_MS);
      if (pendingProbes.length === 0) continue;
      const result = await pool.query<{ partition: number; last_seq: string }>(
        'SELECT partition, last_seq FROM sink_offsets WHERE consumer = $1',
        [options.consumerGroup],
      );
      const nowMs = performance.now();
      const committed = new Map(result.rows.map((row) => [row.partition, Number(row.last_seq)]));
      for (let k = pendingProbes.length - 1; k >= 0; k--) {
        const probe = pendingProbes[k]!;
        if ((committed.get(probe.partition) ?? 0) >= probe.seq) {
          commitLatencies.push(nowMs - probe.sentAtMs);
          pendingProbes.splice(k, 1);
        }
      }
      if (!polling && nowMs > stopAtMs + SETTLE_MS) break;
    }
  })();
  const sendProbe = (): void => {
    const caller = subscriberNumber(0, 9_000_000 + (probesSent % 1_000));
    const callId = `probe-${options.runTag}-${probesSent++}`;
    const partition = partitionOf(caller, options.partitions);
    const json = recordJson({
      callId,
      caller,
      callee: subscriberNumber(0, 1),
      startMs: Date.now(),
      durationSeconds: 60,
      salt: probesSent,
    });
    const sentAtMs = performance.now();
    js.publish(cdrSubject(partition), json, { msgID: callId })
      .then((ack) => pendingProbes.push({ partition, seq: ack.seq, sentAtMs }))
      .catch((error: unknown) => options.logger.warn({ err: error }, 'probe publish failed'));
  };

  const meter = new CpuMeter(options.groups);
  const started = performance.now();
  const durationMs = options.seconds * 1_000;
  let sent = 0;
  let sdhfSent = 0;
  let nextProbeMs = started;
  for (;;) {
    const nowMs = performance.now();
    const elapsed = nowMs - started;
    if (elapsed >= durationMs) break;
    const due = Math.floor((options.ratePerSecond * elapsed) / 1_000);
    while (sent < due) {
      const record = traffic.next(Date.now());
      if (record.sdhf) {
        publishTimes.set(`${record.callerDigits}:${record.startMs}`, performance.now());
        sdhfSent++;
      }
      await publisher.publishRaw(encoder.encode(record.json), record.callId, record.callerDigits);
      sent++;
    }
    if (nowMs >= nextProbeMs) {
      sendProbe();
      nextProbeMs += PROBE_INTERVAL_MS;
    }
    await sleep(2);
  }
  const publishEnd = performance.now();
  const publisherLagMs =
    Math.max(0, ((options.ratePerSecond * (publishEnd - started)) / 1_000 - sent) / options.ratePerSecond) *
    1_000;
  await publisher
    .flush()
    .catch((error: unknown) => options.logger.warn({ err: error }, 'steady publisher flush failed'));
  const cpu = meter.read();
  const backlogAtEnd = await options.pendingBacklog();
  stopAtMs = performance.now();
  polling = false;
  await poller;
  await sleep(500); // alerts for the last CDRs
  subscription.unsubscribe();
  await publisher.close();

  const publishToCommitMs = summarizeLatencies(commitLatencies);
  const achievedPerSecond = perSecond(sent, publishEnd - started);
  return {
    offeredPerSecond: options.ratePerSecond,
    achievedPerSecond,
    published: sent,
    sdhfPublished: sdhfSent,
    publisherLagMs: Math.round(publisherLagMs),
    alertsReceived,
    alertsMatched: alertLatencies.length,
    publishToAlertMs: summarizeLatencies(alertLatencies),
    engineEventToAlertMs: summarizeLatencies(engineLatencies),
    publishToCommitMs,
    probesUnresolved: pendingProbes.length,
    backlogAtEnd,
    saturated:
      achievedPerSecond < options.ratePerSecond * 0.95 ||
      pendingProbes.length > 0 ||
      (publishToCommitMs.p50 ?? 0) > 2_000 ||
      backlogAtEnd > options.ratePerSecond,
    cpu,
  };
}
