/**
 * The switch side of the latency benchmark, in its own process as a switch would be: publishes SteadyTraffic
 * at a fixed offered rate through the project's acking publisher and prints, as one JSON line on stdout, what
 * it sent and the wall-clock publish time (ms since the epoch, sub-ms precision) of every SDHF CDR keyed by
 * `caller:startMs` — the pair an alert names its triggering CDR by.
 *
 *   node dist/bench/pipeline/steady-publisher.js --nats nats://… --rate 20000 --seconds 20 --tag r20000 \
 *     [--partitions 16] [--fraudster-base 0]
 */
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import pino from 'pino';
import { CdrPublisher } from '../../src/stream/index.js';
import { sleep } from './bench-stats.js';
import { SteadyTraffic } from './synthetic-cdrs.js';

const wallMs = (): number => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      nats: { type: 'string' },
      rate: { type: 'string', default: '5000' },
      seconds: { type: 'string', default: '20' },
      tag: { type: 'string', default: 'steady' },
      partitions: { type: 'string', default: '16' },
      'fraudster-base': { type: 'string', default: '0' },
    },
  });
  if (values.nats === undefined) throw new Error('--nats is required');
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const nc = await connect({ servers: values.nats, name: 'steady-publisher' });
  const publisher = new CdrPublisher(nc, {
    partitions: Number(values.partitions),
    logger,
    maxInFlight: 4_096,
  });
  const traffic = new SteadyTraffic({
    seed: 7 + rate,
    runTag: values.tag,
    callers: 100_000,
    sdhfShare: 0.05,
    activeFraudsters: 20,
    callsPerFraudster: 210,
    fraudsterBase: Number(values['fraudster-base']),
  });
  const encoder = new TextEncoder();
  const publishTimes: [string, number][] = [];
  let sent = 0;
  const started = performance.now();
  for (;;) {
    const elapsed = performance.now() - started;
    if (elapsed >= seconds * 1_000) break;
    const due = Math.floor((rate * elapsed) / 1_000);
    while (sent < due) {
      const record = traffic.next(Date.now());
      if (record.sdhf) publishTimes.push([`${record.callerDigits}:${record.startMs}`, wallMs()]);
      await publisher.publishRaw(encoder.encode(record.json), record.callId, record.callerDigits);
      sent++;
    }
    await sleep(1);
  }
  const elapsedMs = performance.now() - started;
  await publisher.flush();
  const stats = publisher.stats();
  await publisher.close();
  await nc.close();
  process.stdout.write(
    `${JSON.stringify({
      offered: rate,
      sent,
      achievedPerSecond: Math.round((sent * 1_000) / elapsedMs),
      failed: stats.failed,
      fraudstersUsed: traffic.fraudstersUsed,
      publishTimes,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`steady publisher failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
