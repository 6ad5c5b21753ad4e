/**
 * How late messages arrive through pull consumers shaped like the engine's (one durable, AckAll, filtered
 * consumer per partition, a loop of `fetch({ max_messages, expires })`), after an idle spell, at a steady
 * rate — without the engine, to tell the NATS client/server behaviour apart from ours.
 *
 *   node dist/bench/pipeline/pull-batch-latency.js [--nats nats://127.0.0.1:4222] [--batches 500,1000]
 *     [--rate 5000] [--seconds 10] [--expires 5000] [--partitions 16]
 *
 * Prints one JSON line per batch size: messages stored and received, and receive − stored latency quantiles.
 * Found with it (nats.js 3, nats-server 2.9.10): pulls of 1,000 held some messages until they expired.
 */
import { parseArgs } from 'node:util';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const { values } = parseArgs({
  options: {
    nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
    batches: { type: 'string', default: '500,1000' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '10' },
    expires: { type: 'string', default: '5000' },
    partitions: { type: 'string', default: '16' },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const EXPIRES_MS = Number(values.expires);
const PARTITIONS = Number(values.partitions);
const IDLE_MS = 7_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(url: string, batch: number): Promise<Record<string, number>> {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const stream = `PULL_LATENCY_${batch}_${process.pid}`;
  const prefix = `pull-latency.${batch}.${process.pid}`;
  await jsm.streams.add({ name: stream, subjects: [`${prefix}.*`] });
  const latencies: number[] = [];
  const seen = new Set<number>();
  let stop = false;
  const loops: Promise<void>[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    await jsm.consumers.add(stream, {
      durable_name: `p${p}`,
      filter_subject: `${prefix}.${p}`,
      ack_policy: AckPolicy.All,
      deliver_policy: DeliverPolicy.All,
      max_ack_pending: 100_000,
    });
    const consumer = await js.consumers.get(stream, `p${p}`);
    loops.push(
      (async () => {
        while (!stop) {
          try {
            const messages = await consumer.fetch({ max_messages: batch, expires: EXPIRES_MS });
            for await (const m of messages) {
              latencies.push(Date.now() - m.info.timestampNanos / 1e6);
              seen.add(m.seq);
              m.ack();
            }
          } catch {
            await sleep(200);
          }
        }
      })(),
    );
  }
  await sleep(IDLE_MS); // every pull is now waiting, as in an engine between bursts
  const payload = new Uint8Array(200);
  let sent = 0;
  const started = Date.now();
  while (Date.now() - started < SECONDS * 1_000) {
    const due = Math.floor(((Date.now() - started) / 1_000) * RATE);
    for (; sent < due; sent++) nc.publish(`${prefix}.${sent % PARTITIONS}`, payload);
    await sleep(2);
  }
  await nc.flush();
  await sleep(EXPIRES_MS + 2_000);
  stop = true;
  const stored = (await jsm.streams.info(stream)).state.messages;
  await Promise.race([Promise.all(loops), sleep(EXPIRES_MS + 1_000)]);
  await jsm.streams.delete(stream);
  await nc.close();
  latencies.sort((a, b) => a - b);
  const q = (f: number): number =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(f * latencies.length))]! * 10) / 10;
  return {
    batch,
    expiresMs: EXPIRES_MS,
    rate: RATE,
    stored,
    received: seen.size,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    maxMs: q(1),
    over500Ms: latencies.filter((ms) => ms > 500).length,
  };
}

for (const batch of values.batches.split(',').map(Number))
  console.log(JSON.stringify(await measure(values.nats, batch)));
process.exit(0);
