/**
 * The bare drain ceiling: the least work that moves a CDR backlog from JetStream into Postgres, written as
 * strongly as this machine allows, so the engine is compared with a real ceiling (issue 13, goal 1).
 * - Reads the stream layout the engine reads: one stream per partition (`CDR_P00…`, one unfiltered consumer
 *   each) or the v1 single stream (`CDR`, one unfiltered consumer over `cdr.in.*`). Consumers are ephemeral
 *   AckNone pull consumers, as the engine's: progress lives in Postgres.
 * - Pulls `pull` messages per request (10,000 by default) with a callback (no per-message promise),
 *   JSON.parse of each, the row escaped to COPY text on arrival.
 * - One COPY transaction per `batchRows` rows, overlapped with consuming the next batch: at most one COPY in
 *   flight and `maxQueuedBatches` waiting; pulling pauses (between pulls) while the queue is full.
 * - `table: 'plain'` is a table without indexes (the reference's shape); `table: 'engine'` is the engine's own
 *   `call_records` (day partitions, BRIN) with its `sink_offsets` row advanced in the same transaction.
 */
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumeCallback,
  type FetchMessages,
  type FetchOptions,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { CdrLayout } from '../../src/stream/index.js';
import { perSecond } from './bench-stats.js';

export type BareTable = 'plain' | 'engine';

export interface BareDrainOptions {
  layout: CdrLayout;
  partitions: number;
  /** Messages to drain (the whole backlog). */
  expected: number;
  databaseUrl: string;
  table: BareTable;
  /** Messages per pull request. @default 10_000 */
  pull?: number;
  /** Rows per COPY transaction. @default 10_000 */
  batchRows?: number;
  /** Batches that may wait behind the COPY in flight before pulling pauses. @default 2 */
  maxQueuedBatches?: number;
}

export interface BareDrainResult {
  table: BareTable;
  layout: string;
  rows: number;
  elapsedMs: number;
  perSecond: number;
  pull: number;
  batchRows: number;
  maxQueuedBatches: number;
  /** Consumers re-created after lost deliveries (a pull ended short). */
  consumersRecreated: number;
}

const PLAIN_DDL =
  'CREATE TABLE bare_call_records (call_id text, caller text, callee text, start_ts timestamptz, ' +
  'duration int, direction text, cause text, cell text, switch text)';
const PLAIN_COPY = 'COPY bare_call_records FROM STDIN';
const ENGINE_COPY =
  'COPY call_records (call_id, caller_number, callee_number, start_time, duration_seconds, answered, ' +
  'call_direction, termination_cause, location_code, imsi, imei, switch_id, trunk_in, trunk_out, ' +
  'stream_partition, stream_seq, late) FROM STDIN';
const BARE_CONSUMER = 'bare-drain';

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
/** A COPY text field: `\N` for a missing value, the four special characters escaped. */
function field(value: unknown): string {
  if (value === undefined || value === null) return '\\N';
  const text = typeof value === 'string' ? value : String(value);
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, (c) => ESCAPES[c] ?? c) : text;
}
const digits = (value: unknown): string =>
  typeof value === 'string' && value.charCodeAt(0) === 43 ? field(value.slice(1)) : field(value);

type Cdr = Record<string, unknown>;

function plainLine(cdr: Cdr): string {
  return (
    field(cdr.call_id) +
    '\t' +
    field(cdr.caller) +
    '\t' +
    field(cdr.callee) +
    '\t' +
    field(cdr.start) +
    '\t' +
    field(cdr.duration) +
    '\t' +
    field(cdr.direction) +
    '\t' +
    field(cdr.cause) +
    '\t' +
    field(cdr.cell) +
    '\t' +
    field(cdr.switch) +
    '\n'
  );
}

function engineLine(cdr: Cdr, partition: number, seq: number): string {
  const answered = cdr.answered === undefined ? '\\N' : cdr.answered === true ? 't' : 'f';
  return (
    field(cdr.call_id) +
    '\t' +
    digits(cdr.caller) +
    '\t' +
    digits(cdr.callee) +
    '\t' +
    field(cdr.start) +
    '\t' +
    field(cdr.duration) +
    '\t' +
    answered +
    '\t' +
    field(cdr.direction) +
    '\t' +
    field(cdr.cause) +
    '\t' +
    field(cdr.cell) +
    '\t' +
    field(cdr.imsi) +
    '\t' +
    field(cdr.imei) +
    '\t' +
    field(cdr.switch) +
    '\t' +
    field(cdr.trunk_in) +
    '\t' +
    field(cdr.trunk_out) +
    '\t' +
    partition +
    '\t' +
    seq +
    '\tf\n'
  );
}

interface QueuedBatch {
  text: string;
  rows: number;
  /** Highest sequence per partition in the batch (engine table only). */
  offsets: Map<number, number>;
}

/** One COPY transaction (autocommit for the plain table; with the offsets for the engine's). */
async function copyBatch(client: pg.Client, table: BareTable, batch: QueuedBatch): Promise<void> {
  if (table === 'engine') await client.query('BEGIN');
  await new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(table === 'plain' ? PLAIN_COPY : ENGINE_COPY));
    stream.on('error', reject);
    stream.on('finish', resolve);
    stream.end(Buffer.from(batch.text, 'utf8'));
  });
  if (table === 'plain') return;
  const values = [...batch.offsets].map(([p, seq]) => `('${BARE_CONSUMER}', ${p}, ${seq})`).join(', ');
  await client.query(
    `INSERT INTO sink_offsets AS o (consumer, partition, last_seq) VALUES ${values}
     ON CONFLICT (consumer, partition) DO UPDATE SET last_seq = GREATEST(o.last_seq, EXCLUDED.last_seq);
     COMMIT`,
  );
}

/** Streams to read and how many messages each holds. */
async function sources(
  nc: NatsConnection,
  options: BareDrainOptions,
): Promise<{ stream: string; firstSeq: number; lastSeq: number }[]> {
  const jsm = await jetstreamManager(nc);
  const names =
    options.layout.kind === 'single'
      ? [options.layout.streamOf(0)]
      : Array.from({ length: options.partitions }, (_, p) => options.layout.streamOf(p));
  const out: { stream: string; firstSeq: number; lastSeq: number }[] = [];
  for (const stream of names) {
    const { first_seq: firstSeq, last_seq: lastSeq } = (await jsm.streams.info(stream)).state;
    out.push({ stream, firstSeq, lastSeq });
  }
  return out;
}

const partitionOfSubject = (subject: string): number => Number(subject.slice(subject.lastIndexOf('.') + 1));

export async function bareDrain(nc: NatsConnection, options: BareDrainOptions): Promise<BareDrainResult> {
  const pull = options.pull ?? 10_000;
  const batchRows = options.batchRows ?? 10_000;
  const maxQueued = options.maxQueuedBatches ?? 2;
  const { table } = options;
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  if (table === 'plain') {
    await client.query('DROP TABLE IF EXISTS bare_call_records');
    await client.query(PLAIN_DDL);
  }
  // JetStream API calls on a stream of millions of messages can take seconds on a busy machine.
  const jsm = await jetstreamManager(nc, { timeout: 30_000 });
  const js = jetstream(nc, { timeout: 30_000 });
  const streams = await sources(nc, options);
  let consumersCreated = 0;
  const createConsumer = async (stream: string, startSeq: number): Promise<string> => {
    const name = `bare-${process.pid}-${Date.now().toString(36)}-${++consumersCreated}`;
    await jsm.consumers.add(stream, {
      name,
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startSeq,
      // An ephemeral consumer without a pull outstanding is deleted after 5 s by default: pulling pauses while
      // the COPY queue is full, which on a busy machine can last longer.
      inactive_threshold: nanos(10 * 60_000),
      mem_storage: true,
      num_replicas: 1,
    });
    return name;
  };

  let parts: string[] = [];
  let inBatch = 0;
  let received = 0;
  let committed = 0;
  let offsets = new Map<number, number>();
  const queue: QueuedBatch[] = [];
  let copying = false;
  let recreated = 0;
  let failure: Error | undefined;
  let wakeConsumers: (() => void)[] = [];
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const wake = (): void => {
    for (const resume of wakeConsumers.splice(0)) resume();
  };
  const kick = (): void => {
    if (copying || queue.length === 0) return;
    const batch = queue.shift()!;
    copying = true;
    wake();
    copyBatch(client, table, batch).then(
      () => {
        copying = false;
        committed += batch.rows;
        if (committed >= options.expected) finish();
        else kick();
      },
      (error: unknown) => {
        failure = error instanceof Error ? error : new Error(String(error));
        wake();
        finish();
      },
    );
  };
  const cut = (): void => {
    queue.push({ text: parts.join(''), rows: inBatch, offsets });
    parts = [];
    inBatch = 0;
    offsets = new Map();
    kick();
  };
  const onMessage = (msg: JsMsg): void => {
    const cdr = JSON.parse(msg.string()) as Cdr;
    if (table === 'plain') {
      parts.push(plainLine(cdr));
    } else {
      const partition = partitionOfSubject(msg.subject);
      parts.push(engineLine(cdr, partition, msg.seq));
      offsets.set(partition, msg.seq);
    }
    inBatch++;
    received++;
    if (inBatch === batchRows || received === options.expected) cut();
  };
  /**
   * Reads `stream` from `firstSeq` to `lastSeq`. Its sequences are contiguous, so a message that is not the
   * next one, or a pull that ends short, means deliveries were lost (nats-server 2.9 sometimes ends a large
   * pull early with a 408 and drops what it had not sent; AckNone redelivers nothing): the consumer is then
   * re-created from the next needed sequence, as the engine does.
   */
  const readAll = async (stream: string, firstSeq: number, lastSeq: number): Promise<void> => {
    let nextSeq = firstSeq;
    let name = await createConsumer(stream, nextSeq);
    let consumer = await js.consumers.get(stream, name);
    while (nextSeq <= lastSeq && failure === undefined) {
      while (queue.length >= maxQueued) await new Promise<void>((resolve) => wakeConsumers.push(resolve));
      const want = Math.min(pull, lastSeq - nextSeq + 1);
      let lost = false;
      const control: { stop?: () => void } = {};
      // nats.js 3.4 runs a fetch in callback mode like consume() (no iterator, no promise per message),
      // though its FetchOptions type does not declare `callback`.
      const fetchOptions: FetchMessages & ConsumeCallback = {
        max_messages: want,
        expires: 30_000,
        callback: (msg: JsMsg) => {
          if (lost) return;
          if (msg.seq !== nextSeq) {
            lost = true;
            control.stop?.();
            return;
          }
          nextSeq++;
          onMessage(msg);
        },
      };
      const wanted = nextSeq + want;
      const messages = await consumer.fetch(fetchOptions as FetchOptions);
      control.stop = () => messages.stop();
      await messages.closed();
      if (lost || nextSeq < wanted) {
        recreated++;
        await jsm.consumers.delete(stream, name).catch(() => false);
        name = await createConsumer(stream, nextSeq);
        consumer = await js.consumers.get(stream, name);
      }
    }
    await jsm.consumers.delete(stream, name).catch(() => false);
  };

  const started = performance.now();
  const readers = streams.map(({ stream, firstSeq, lastSeq }) => readAll(stream, firstSeq, lastSeq));
  await Promise.all([finished, ...readers]);
  const elapsedMs = performance.now() - started;
  wakeConsumers = [];
  await client.end();
  if (failure !== undefined) throw failure;
  return {
    table,
    layout: options.layout.kind,
    rows: committed,
    elapsedMs: Math.round(elapsedMs),
    perSecond: perSecond(committed, elapsedMs),
    pull,
    batchRows,
    maxQueuedBatches: maxQueued,
    consumersRecreated: recreated,
  };
}
