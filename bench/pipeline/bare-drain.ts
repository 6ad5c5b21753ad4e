/**
 * The bare drain ceiling: the least work that moves a CDR backlog from JetStream into Postgres, written as
 * strongly as this machine allows, so the engine is compared with a real ceiling (issue 13, goal 1).
 * - Reads the stream layout the engine reads: one stream per partition (`CDR_P00…`, one unfiltered consumer
 *   each) or the v1 single stream (`CDR`, one unfiltered consumer over `cdr.in.*`).
 * - Consumes as the reference does: `consume()` with up to `pull` messages requested (10,000 by default; the
 *   client re-pulls at half, so the flow never waits for a round trip), a callback per message (no promise),
 *   AckAll acknowledged at each committed batch's last message, `max_ack_pending` of about three batches over
 *   all consumers as the back-pressure. JSON.parse of each record, the row escaped to COPY text on arrival.
 * - One COPY transaction per `batchRows` rows, overlapped with consuming the next batch, one in flight.
 * - Each stream's sequences are checked to arrive contiguously (a loss fails the run) unless
 *   `checkSequences: false`, which trusts AckAll as the reference does. The sequence is read as the engine reads
 *   it (`readDeliveryPosition`, a scan of the reply subject's bytes); through nats.js `msg.seq` the check alone
 *   cost ~9 % of this drain's rate.
 * - `table: 'plain'` is a table without indexes (the reference's shape); `table: 'engine'` is the engine's own
 *   `call_records` (day partitions, BRIN) with its `sink_offsets` row advanced in the same transaction.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { deliveryPosition, readDeliveryPosition, type CdrLayout } from '../../src/stream/index.js';
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
  /**
   * Check that each stream's sequences arrive contiguously (reading a message's sequence makes nats.js parse
   * its reply subject). `false` trusts AckAll, as the reference does, and counts messages instead; the engine
   * table always reads sequences for its offsets. @default true
   */
  checkSequences?: boolean;
  /** Rows per COPY transaction. @default 10_000 */
  batchRows?: number;
}

export interface BareDrainResult {
  table: BareTable;
  layout: string;
  rows: number;
  elapsedMs: number;
  perSecond: number;
  pull: number;
  batchRows: number;
  /** Unacknowledged messages each consumer may hold (the flow control). */
  maxAckPending: number;
  /** Deliveries seen twice (skipped by sequence); a lost delivery fails the run instead. */
  redelivered: number;
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
/** A batch that has not grown for this long is committed as it is (see `idleCut`). */
const IDLE_CUT_MS = 20;

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
/** A COPY text field: `\N` for a missing value, the four special characters escaped. */
function escapedField(value: unknown): string {
  if (value === undefined || value === null) return '\\N';
  const text = typeof value === 'string' ? value : String(value);
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, (c) => ESCAPES[c] ?? c) : text;
}
/**
 * The same for a record whose JSON text holds no backslash: JSON forbids raw control characters inside
 * strings, so none of its values can hold a tab, newline, carriage return or backslash, and nothing needs
 * escaping. One `indexOf` per record instead of a test per field.
 */
function plainField(value: unknown): string {
  if (value === undefined || value === null) return '\\N';
  return typeof value === 'string' ? value : String(value);
}
type Field = (value: unknown) => string;
const fieldFor = (json: string): Field => (json.indexOf('\\') === -1 ? plainField : escapedField);
const digits = (value: unknown, field: Field): string =>
  typeof value === 'string' && value.charCodeAt(0) === 43 ? field(value.slice(1)) : field(value);

type Cdr = Record<string, unknown>;

function plainLine(cdr: Cdr, field: Field): string {
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

function engineLine(cdr: Cdr, field: Field, partition: number, seq: number): string {
  const answered = cdr.answered === undefined ? '\\N' : cdr.answered === true ? 't' : 'f';
  return (
    field(cdr.call_id) +
    '\t' +
    digits(cdr.caller, field) +
    '\t' +
    digits(cdr.callee, field) +
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
  /** The batch's last message per stream: acknowledging it (AckAll) releases the stream's earlier ones. */
  lastMessages: Map<string, JsMsg>;
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
  const { table } = options;
  const checkSequences = options.checkSequences !== false || table === 'engine';
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
  // About three COPY batches may wait unacknowledged over all consumers, as the reference's 3 × batch.
  const maxAckPending = Math.max(1_000, Math.ceil((3 * batchRows) / streams.length));
  const createConsumer = async (stream: string, startSeq: number): Promise<string> => {
    const name = `bare-${process.pid}-${Date.now().toString(36)}-${stream}`;
    await jsm.consumers.add(stream, {
      name,
      ack_policy: AckPolicy.All,
      ack_wait: nanos(120_000),
      max_ack_pending: maxAckPending,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startSeq,
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
  let lastMessages = new Map<string, JsMsg>();
  const queue: QueuedBatch[] = [];
  let copying = false;
  let redelivered = 0;
  let failure: Error | undefined;
  const stopConsumers: (() => void)[] = [];
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  // With one consumer per partition, the last streams still delivering can each hold their whole
  // `max_ack_pending` inside the unfinished batch and wait for acknowledgements that only its commit would
  // send: a batch that stopped growing is cut as it is.
  let receivedAtLastTick = 0;
  const idleCut = setInterval(() => {
    if (received === receivedAtLastTick && inBatch > 0) cut();
    receivedAtLastTick = received;
  }, IDLE_CUT_MS);
  const stopAll = (): void => {
    clearInterval(idleCut);
    for (const stop of stopConsumers.splice(0)) stop();
  };
  const fail = (error: unknown): void => {
    failure ??= error instanceof Error ? error : new Error(String(error));
    stopAll();
    finish();
  };
  const kick = (): void => {
    if (copying || queue.length === 0) return;
    const batch = queue.shift()!;
    copying = true;
    copyBatch(client, table, batch).then(() => {
      copying = false;
      committed += batch.rows;
      // AckAll: one acknowledgement per consumer covers everything it delivered up to that message.
      for (const msg of batch.lastMessages.values()) msg.ack();
      if (committed >= options.expected) {
        stopAll();
        finish();
      } else kick();
    }, fail);
  };
  const cut = (): void => {
    queue.push({ text: parts.join(''), rows: inBatch, offsets, lastMessages });
    parts = [];
    inBatch = 0;
    offsets = new Map();
    lastMessages = new Map();
    kick();
  };
  const position = deliveryPosition();
  /** `seq`: the delivery's stream sequence (read by the check, which the engine's table always runs). */
  const onMessage = (stream: string, msg: JsMsg, seq: number): void => {
    const json = msg.string();
    const cdr = JSON.parse(json) as Cdr;
    const field = fieldFor(json);
    if (table === 'plain') {
      parts.push(plainLine(cdr, field));
    } else {
      const partition = partitionOfSubject(msg.subject);
      parts.push(engineLine(cdr, field, partition, seq));
      offsets.set(partition, seq);
    }
    lastMessages.set(stream, msg);
    inBatch++;
    received++;
    if (inBatch === batchRows || received === options.expected) cut();
  };
  /**
   * Reads `stream` from `firstSeq` to `lastSeq` with one `consume()` (the client keeps pull requests
   * outstanding and re-pulls at half, so deliveries never wait for a round trip). Flow control is the
   * reference's: an AckAll consumer whose `max_ack_pending` holds about three COPY batches, acknowledged at the
   * last message of each committed batch. The stream's sequences are contiguous, so an out-of-order delivery
   * is either a redelivery (skipped) or a loss (the run fails: a ceiling that lost rows measures nothing).
   */
  const readAll = async (stream: string, firstSeq: number, lastSeq: number): Promise<void> => {
    let nextSeq = firstSeq;
    const name = await createConsumer(stream, nextSeq);
    const consumer = await js.consumers.get(stream, name);
    let stopped = false;
    const messages = await consumer.consume({
      max_messages: Math.min(pull, maxAckPending),
      expires: 30_000,
      callback: (msg: JsMsg) => {
        if (stopped) return;
        if (!checkSequences) {
          onMessage(stream, msg, nextSeq);
          if (++nextSeq > lastSeq) stopped = true;
          return;
        }
        const seq = readDeliveryPosition(msg, position).seq;
        if (seq < nextSeq) {
          redelivered++;
          return;
        }
        if (seq !== nextSeq) {
          fail(new Error(`${stream}: expected sequence ${nextSeq}, got ${seq} (a delivery was lost)`));
          return;
        }
        nextSeq++;
        onMessage(stream, msg, seq);
        if (nextSeq > lastSeq) stopped = true;
      },
    });
    stopConsumers.push(() => messages.stop());
    // The drain may have ended (or failed) while this consumer was being created.
    if (failure !== undefined || committed >= options.expected) messages.stop();
    await messages.closed();
    await jsm.consumers.delete(stream, name).catch(() => false);
  };

  const started = performance.now();
  const readers = streams.map(({ stream, firstSeq, lastSeq }) =>
    readAll(stream, firstSeq, lastSeq).catch(fail),
  );
  await finished;
  const elapsedMs = performance.now() - started;
  await Promise.all(readers);
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
    maxAckPending,
    redelivered,
  };
}
