/**
 * One simulated day through the real pipeline: every generated record (duplicates and malformed ones too)
 * is published to the CDR stream in arrival order as fast as the engine takes it; alerts are collected from
 * NATS. On the side, the valid records go into an arrival-stamped copy of the seed's table, so its hourly
 * batch job can later be replayed seeing only what had arrived by each run.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { GeneratedTraffic } from '../../src/traffic/index.js';
import { CdrPublisher } from '../../src/stream/index.js';
import type { AlertMessage } from '../../src/windows/index.js';
import { perSecond } from '../pipeline/bench-stats.js';

export interface ReceivedAlert {
  suspect: string;
  windowSeconds: number;
  severity: string;
  reason: string;
  lastEventMs: number;
  eventToAlertMs: number;
}

export interface DayRun {
  records: number;
  byKind: Record<string, number>;
  publishMs: number;
  publishPerSecond: number;
  /** `caller:startMs` → arrival (simulated) of every valid record of a labelled caller. */
  arrivalOf: Map<string, number>;
  /** Rows put into the seed's table (valid records and exact duplicates; the table dedups by call_id). */
  seedRows: number;
  firstArrivalMs: number;
  lastArrivalMs: number;
}

const SEED_TABLE_DDL = `
DROP TABLE IF EXISTS seed_call_records_staging, seed_call_records;
CREATE UNLOGGED TABLE seed_call_records_staging (
  call_id text, caller_number text, callee_number text, call_timestamp timestamptz, duration_seconds integer,
  arrived_at timestamptz)`;

/** The predecessor's table and indexes, filled from the staging copy with duplicates (same call_id) dropped. */
const SEED_TABLE_BUILD = `
CREATE TABLE seed_call_records AS
  SELECT DISTINCT ON (call_id) call_id, caller_number, callee_number, call_timestamp, duration_seconds, arrived_at
    FROM seed_call_records_staging ORDER BY call_id, arrived_at;
CREATE INDEX seed_call_records_ts_idx ON seed_call_records (call_timestamp);
CREATE INDEX seed_call_records_caller_ts_idx ON seed_call_records (caller_number, call_timestamp);
DROP TABLE seed_call_records_staging;
ANALYZE seed_call_records`;

function write(stream: Writable, text: string): Promise<void> | undefined {
  if (stream.write(text)) return undefined;
  return new Promise((resolve) => stream.once('drain', resolve));
}

/** Collects every alert on `sentinel.alerts.>` until `stop()`. */
export async function collectAlerts(nc: NatsConnection): Promise<{ alerts: ReceivedAlert[]; stop(): void }> {
  const alerts: ReceivedAlert[] = [];
  const subscription = nc.subscribe('sentinel.alerts.>', {
    callback: (error, msg) => {
      if (error) return;
      const alert = msg.json<AlertMessage>();
      alerts.push({
        suspect: alert.suspect_number,
        windowSeconds: alert.window_seconds,
        severity: alert.alert_severity,
        reason: alert.reason,
        lastEventMs: Date.parse(alert.last_event_at),
        eventToAlertMs: alert.event_to_alert_ms,
      });
    },
  });
  await nc.flush();
  return { alerts, stop: () => subscription.unsubscribe() };
}

/** Case keys per suspect from the case events on `sentinel.cases.>` (published by the sink after commit). */
export async function collectCaseKeys(
  nc: NatsConnection,
): Promise<{ keysBySuspect: Map<string, Set<string>>; events: number; stop(): void }> {
  const keysBySuspect = new Map<string, Set<string>>();
  const collected = { keysBySuspect, events: 0, stop: () => subscription.unsubscribe() };
  const subscription = nc.subscribe('sentinel.cases.>', {
    callback: (error, msg) => {
      if (error) return;
      const event = msg.json<{ case_key: string; suspect_number: string }>();
      const keys = keysBySuspect.get(event.suspect_number) ?? new Set<string>();
      keys.add(event.case_key);
      keysBySuspect.set(event.suspect_number, keys);
      collected.events++;
    },
  });
  await nc.flush();
  return collected;
}

export async function runSimulatedDay(
  nc: NatsConnection,
  databaseUrl: string,
  traffic: GeneratedTraffic,
  partitions: number,
  logger: Logger,
): Promise<DayRun> {
  const labelled = new Set(traffic.labels.callers.map((c) => c.number));
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(SEED_TABLE_DDL);
  const copy = client.query(
    copyFrom(
      'COPY seed_call_records_staging (call_id, caller_number, callee_number, call_timestamp, duration_seconds, arrived_at) FROM STDIN',
    ),
  );
  const copyDone = new Promise<void>((resolve, reject) => {
    copy.on('finish', resolve);
    copy.on('error', reject);
  });

  const publisher = new CdrPublisher(nc, { partitions, logger, maxInFlight: 4_096, ackTimeoutMs: 30_000 });
  const encoder = new TextEncoder();
  const arrivalOf = new Map<string, number>();
  const byKind: Record<string, number> = {};
  let records = 0;
  let seedRows = 0;
  let firstArrivalMs = Number.NaN;
  let lastArrivalMs = Number.NaN;
  const started = performance.now();
  for (const record of traffic.records) {
    records++;
    byKind[record.kind] = (byKind[record.kind] ?? 0) + 1;
    if (Number.isNaN(firstArrivalMs)) firstArrivalMs = record.arrivalMs;
    lastArrivalMs = record.arrivalMs;
    if (record.kind !== 'malformed') {
      const cdr = JSON.parse(record.json) as {
        call_id: string;
        caller: string;
        callee: string;
        start: string | number;
        duration: number;
      };
      const startMs = typeof cdr.start === 'number' ? cdr.start : Date.parse(cdr.start);
      if (record.kind === 'valid' && labelled.has(record.callerDigits)) {
        const key = `${record.callerDigits}:${startMs}`;
        if (!arrivalOf.has(key)) arrivalOf.set(key, record.arrivalMs);
      }
      const line =
        `${cdr.call_id}\t${record.callerDigits}\t${cdr.callee.replace(/^\+/, '')}\t${new Date(startMs).toISOString()}\t` +
        `${cdr.duration}\t${new Date(record.arrivalMs).toISOString()}\n`;
      seedRows++;
      const drained = write(copy, line);
      if (drained !== undefined) await drained;
    }
    await publisher.publishRaw(encoder.encode(record.json), record.callId, record.callerDigits);
    if (records % 500_000 === 0)
      logger.info(
        { records, perSecond: perSecond(records, performance.now() - started) },
        'simulated day publishing',
      );
  }
  await publisher.flush();
  const publishMs = performance.now() - started;
  await publisher.close();
  copy.end();
  await copyDone;
  logger.info('building the seed table');
  await client.query(SEED_TABLE_BUILD);
  await client.end();
  return {
    records,
    byKind,
    publishMs: Math.round(publishMs),
    publishPerSecond: perSecond(records, publishMs),
    arrivalOf,
    seedRows,
    firstArrivalMs,
    lastArrivalMs,
  };
}
