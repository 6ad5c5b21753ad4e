/**
 * `publish-live`: generates traffic anchored at "now" and publishes it to the CDR stream at a steady rate with
 * the engine's own fast publisher (`CdrPublisher`: partition by caller, Msg-Id = call_id, bounded in-flight
 * acks). Duplicates and malformed records go out too, as a switch would send them, unless `--valid-only`.
 * Prints one JSON line of statistics on stdout. Exit code 0, 1 when messages failed, 2 for bad arguments.
 *
 * The time compression is chosen so the simulated network produces about the requested rate: simulated time
 * then keeps pace with the wall clock and record timestamps stay near now. A record is never published before
 * its arrival time on the wall clock, so no timestamp lies in the future; when the simulated network runs
 * faster than the wall clock the achieved rate falls short and `heldForClockMs` says by how much time.
 */
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { CdrPublisher, PublishFailedError, type PublisherStats } from '../../src/stream/index.js';
import { CliUsageError, durationFlag, intFlag, numberFlag } from './cli-args.js';
import { estimateRecordsPerSecond } from '../../src/traffic/traffic-estimate.js';
import { generateTraffic } from '../../src/traffic/traffic-generator.js';
import {
  demoTrafficOptions,
  resolveTrafficOptions,
  type TrafficOptions,
} from '../../src/traffic/traffic-options.js';

export const PUBLISH_LIVE_USAGE = `Usage: node dist/loadtest/publish-live.js --rate N [options]

Publishes synthetic CDRs to the CDR stream at a steady rate (records per second), timestamps near now.

Options:
  --rate N              records per second (required)
  --duration D          how long to publish, e.g. 30s, 10m (default 60s)
  --nats URL            NATS server (default nats://127.0.0.1:4222)
  --partitions P        partitions of the CDR stream; must match the engine (default 16)
  --subject-prefix S    subject prefix of the CDR stream (default cdr.in)
  --max-in-flight N     unacknowledged messages at once (default 1024)
  --seed N              PRNG seed (default 1)
  --subscribers N       ordinary subscribers (default 200000)
  --compression X       local days per real day (default: chosen so the network produces --rate)
  --warmup D            simulate this long before now, unpublished, so calls of every length are in flight
                        from the first message (default 10m; 0 to start cold)
  --demo                the service demo's day (20k subscribers, ending now; SDHF callers early in the feed)
  --valid-only          skip duplicates and malformed records
  --help                show this text
`;

export interface PublishLiveOptions {
  ratePerSecond: number;
  durationMs: number;
  natsUrl: string;
  partitions: number;
  subjectPrefix: string;
  maxInFlight: number;
  traffic: TrafficOptions;
  validOnly: boolean;
}

export interface PublishLiveStats {
  targetRatePerSecond: number;
  achievedRatePerSecond: number;
  elapsedMs: number;
  /** Records handed to the publisher. */
  sent: number;
  skipped: number;
  generated: { valid: number; duplicate: number; malformed: number };
  /** Most the sender fell behind its schedule (generator or acks too slow), ms. */
  maxBehindMs: number;
  /** Total time spent waiting because the next record's arrival was still ahead of the wall clock, ms. */
  heldForClockMs: number;
  publisher: PublisherStats;
  timeCompression: number;
  subscribers: number;
  seed: number;
  startMs: number;
}

const MINUTE_MS = 60_000;

/** Parses argv (without node and script); `nowMs` anchors the traffic. Returns undefined for --help. */
export function parsePublishLiveArgs(argv: readonly string[], nowMs: number): PublishLiveOptions | undefined {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        rate: { type: 'string' },
        duration: { type: 'string' },
        nats: { type: 'string' },
        partitions: { type: 'string' },
        'subject-prefix': { type: 'string' },
        'max-in-flight': { type: 'string' },
        seed: { type: 'string' },
        subscribers: { type: 'string' },
        compression: { type: 'string' },
        warmup: { type: 'string' },
        demo: { type: 'boolean' },
        'valid-only': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  if (values.help === true) return undefined;
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  if (text('rate') === undefined) throw new CliUsageError('--rate is required');
  const ratePerSecond = numberFlag('rate', text('rate'), 0, 0.001, 10_000_000);
  const durationMs = durationFlag('duration', text('duration'), MINUTE_MS);
  const warmupMs = text('warmup') === '0' ? 0 : durationFlag('warmup', text('warmup'), 10 * MINUTE_MS);
  const emitFromMs = Math.floor(nowMs / 1000) * 1000;
  // Enough simulated time for the run even if the rate estimate is off by half, plus records in flight.
  const simulatedMs = warmupMs + 2 * durationMs + 10 * MINUTE_MS;
  let traffic: TrafficOptions;
  if (values.demo === true) {
    // The demo day ends now: published at --rate it replays the last day's traffic, never future calls.
    traffic = demoTrafficOptions(nowMs);
  } else {
    traffic = {
      seed: intFlag('seed', text('seed'), 1, -(2 ** 31), 2 ** 31 - 1),
      subscribers: intFlag('subscribers', text('subscribers'), 200_000, 2, 50_000_000),
      startMs: emitFromMs - warmupMs,
      emitFromMs,
      durationMs: simulatedMs,
    };
    const compression = text('compression');
    traffic.timeCompression =
      compression === undefined
        ? Math.max(1, ratePerSecond / estimateRecordsPerSecond(resolveTrafficOptions(traffic)))
        : numberFlag('compression', compression, 1, 0.001, 1_000_000);
  }
  return {
    ratePerSecond,
    durationMs,
    natsUrl: text('nats') ?? 'nats://127.0.0.1:4222',
    partitions: intFlag('partitions', text('partitions'), 16, 1, 10_000),
    subjectPrefix: text('subject-prefix') ?? 'cdr.in',
    maxInFlight: intFlag('max-in-flight', text('max-in-flight'), 1024, 1, 1_000_000),
    traffic,
    validOnly: values['valid-only'] === true,
  };
}

/** Publishes on `nc` until the duration has passed or the traffic ends; waits for every ack. */
export async function runPublishLive(
  nc: NatsConnection,
  options: PublishLiveOptions,
): Promise<PublishLiveStats> {
  const resolved = resolveTrafficOptions(options.traffic);
  const { records } = generateTraffic(resolved);
  const publisher = new CdrPublisher(nc, {
    partitions: options.partitions,
    maxInFlight: options.maxInFlight,
    subjectPrefix: options.subjectPrefix,
  });
  const encoder = new TextEncoder();
  const generated = { valid: 0, duplicate: 0, malformed: 0 };
  const msPerRecord = 1000 / options.ratePerSecond;
  let sent = 0;
  let skipped = 0;
  let maxBehindMs = 0;
  let heldForClockMs = 0;
  // The clock starts at the first record: the warm-up is simulated before it and must not eat the run.
  const iterator = records[Symbol.iterator]();
  let next = iterator.next();
  const startedAt = performance.now();
  try {
    for (; next.done !== true; next = iterator.next()) {
      const record = next.value;
      const elapsedMs = performance.now() - startedAt;
      if (elapsedMs >= options.durationMs) break;
      generated[record.kind]++;
      if (options.validOnly && record.kind !== 'valid') {
        skipped++;
        continue;
      }
      // Steady schedule: record n is due at n / rate. Sleep when ahead; note how far behind when late.
      const aheadMs = sent * msPerRecord - elapsedMs;
      // Live means live: a record never leaves before it reaches the collector on the wall clock, even when
      // the compression estimate runs the simulated network a little faster than the requested rate.
      const earlyMs = record.arrivalMs - Date.now();
      if (earlyMs > 0) heldForClockMs += earlyMs;
      const waitMs = Math.max(aheadMs, earlyMs);
      if (waitMs > 2 || earlyMs > 0) await sleep(Math.max(waitMs, 1));
      else if (-aheadMs > maxBehindMs) maxBehindMs = -aheadMs;
      // A record that lost its call_id still needs some Msg-Id; make one that cannot collide with real ids.
      const msgId = record.callId === '' ? `no-call-id-${resolved.seed}-${sent}` : record.callId;
      await publisher.publishRaw(encoder.encode(record.json), msgId, record.callerDigits);
      sent++;
    }
    await publisher.flush();
  } catch (error) {
    // Failed messages are counted in the stats; anything else is a real fault.
    if (!(error instanceof PublishFailedError)) throw error;
  } finally {
    await publisher.close();
  }
  const elapsedMs = performance.now() - startedAt;
  return {
    targetRatePerSecond: options.ratePerSecond,
    achievedRatePerSecond: Math.round((sent / Math.max(elapsedMs, 1)) * 1000),
    elapsedMs: Math.round(elapsedMs),
    sent,
    skipped,
    generated,
    maxBehindMs: Math.round(maxBehindMs),
    heldForClockMs: Math.round(heldForClockMs),
    publisher: publisher.stats(),
    timeCompression: resolved.timeCompression,
    subscribers: resolved.subscribers,
    seed: resolved.seed,
    startMs: resolved.startMs,
  };
}

/** The CLI: parses, connects, publishes, prints statistics; returns the exit code. */
export async function publishLiveMain(
  argv: readonly string[],
  stdout: Writable,
  stderr: Writable,
): Promise<number> {
  let options: PublishLiveOptions | undefined;
  try {
    options = parsePublishLiveArgs(argv, Date.now());
  } catch (error) {
    if (!(error instanceof CliUsageError) && !(error instanceof RangeError)) throw error;
    stderr.write(`${error.message}\n\n${PUBLISH_LIVE_USAGE}`);
    return 2;
  }
  if (options === undefined) {
    stdout.write(PUBLISH_LIVE_USAGE);
    return 0;
  }
  const nc = await connect({ servers: options.natsUrl, name: 'sentinel-publish-live' });
  try {
    const stats = await runPublishLive(nc, options);
    stdout.write(`${JSON.stringify(stats)}\n`);
    return stats.publisher.failed > 0 ? 1 : 0;
  } finally {
    await nc.drain();
  }
}
