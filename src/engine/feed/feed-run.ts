/**
 * One feed profile in the feed normaliser thread: pull raw switch records from the profile's shared durable
 * consumer on `cdr.feed.<profile>`, convert each with the input profile, republish the valid ones to
 * `cdr.in.<p>` and dead-letter the rest, then ack.
 *
 * Ack rules, so a record is neither lost nor stored twice:
 * - a converted record is acked only after JetStream's PubAck for its republish (Msg-Id = call_id): a crash
 *   before the ack redelivers it, and the republish is dropped as a duplicate (duplicate window, then the shard
 *   workers' recent call_id set);
 * - a rejected record is acked only after its `dead_letters` row is committed (keyed by the feed message, so a
 *   redelivery inserts nothing); its copy on the CDR_DLQ stream is best effort, like the shard workers';
 * - anything that failed is nak'ed with a delay and comes back, to this instance or another.
 */
import type { Consumer, JsMsg } from '@nats-io/jetstream';
import type pg from 'pg';
import type { Logger } from 'pino';
import { convertRecordBytes, type InputProfile } from '../../codec/index.js';
import type { WorkerMetricsRecorder } from '../../metrics/index.js';
import { insertFeedDeadLetters, type FeedDeadLetterRow } from '../../sinks/index.js';
import { PublishFailedError, type CdrPublisher, type DeadLetterPublisher } from '../../stream/index.js';

/** Records per pull: FreeSWITCH documents are 5–20 KB, so this bounds a batch to a few MB. */
const FETCH_BATCH = 200;
/** A pull waits this long for records before the loop goes round again. */
const FETCH_EXPIRES_MS = 5_000;
/** A record whose republish or dead-letter insert failed comes back after this long. */
const RETRY_DELAY_MS = 2_000;
const FETCH_RETRY_MAX_MS = 10_000;

export interface FeedRunDeps {
  profile: InputProfile;
  consumer: Consumer;
  /** Feed stream name, part of each dead letter's source key. */
  stream: string;
  publisher: CdrPublisher;
  deadLetters: DeadLetterPublisher;
  pool: pg.Pool;
  metrics: WorkerMetricsRecorder;
  logger: Logger;
}

interface Converted {
  msg: JsMsg;
  callId: string;
}

export class FeedRun {
  private stopping = false;
  private fetch: { stop(): void } | undefined;
  private loop: Promise<void> = Promise.resolve();
  /** Call ids whose republish failed in the current batch (filled by the publisher's onFailure). */
  private readonly failedIds: Set<string>;

  constructor(
    private readonly deps: FeedRunDeps,
    failedIds: Set<string>,
  ) {
    this.failedIds = failedIds;
  }

  start(): void {
    this.loop = this.consume();
  }

  /** Stops pulling; the batch in hand is finished (republished and acked) before this resolves. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.fetch?.stop();
    await this.loop;
  }

  private async consume(): Promise<void> {
    const { consumer, logger, metrics, profile } = this.deps;
    let failures = 0;
    while (!this.stopping) {
      try {
        const batch = await consumer.fetch({ max_messages: FETCH_BATCH, expires: FETCH_EXPIRES_MS });
        this.fetch = batch;
        const messages: JsMsg[] = [];
        for await (const msg of batch) {
          messages.push(msg);
          metrics.set('sentinel_feed_pending', { profile: profile.name }, msg.info.pending);
        }
        this.fetch = undefined;
        if (messages.length > 0) await this.handle(messages);
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        failures++;
        const delayMs = Math.min(FETCH_RETRY_MAX_MS, 100 * 2 ** Math.min(failures, 7));
        logger[failures >= 3 ? 'warn' : 'debug'](
          { err: error, delayMs, failures },
          'feed pull failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  /** Converts, republishes and dead-letters one batch, then acks (or naks) every message in it. */
  private async handle(messages: readonly JsMsg[]): Promise<void> {
    const { profile, publisher, metrics } = this.deps;
    const nowMs = Date.now();
    const converted: Converted[] = [];
    const rejected: { msg: JsMsg; row: FeedDeadLetterRow }[] = [];
    this.failedIds.clear();
    for (const msg of messages) {
      const result = convertRecordBytes(profile, msg.data, { nowMs });
      if (result.ok) {
        await publisher.publishCdr(result.cdr);
        converted.push({ msg, callId: result.cdr.callId });
      } else {
        rejected.push({ msg, row: this.deadLetterRow(msg, result.reason, result.field, result.message) });
      }
    }
    const lettersStored = await this.storeDeadLetters(rejected.map((entry) => entry.row));
    try {
      await publisher.flush();
    } catch (error) {
      if (!(error instanceof PublishFailedError)) throw error;
      // The failed call ids were collected one by one through onFailure; nak exactly those below.
    }
    const count = (outcome: string, by: number): void =>
      metrics.inc('sentinel_feed_records_total', { profile: profile.name, outcome }, by);
    let published = 0;
    let retried = 0;
    for (const { msg, callId } of converted) {
      if (this.failedIds.has(callId)) {
        msg.nak(RETRY_DELAY_MS);
        retried++;
      } else {
        msg.ack();
        published++;
      }
    }
    for (const { msg, row } of rejected) {
      if (!lettersStored) {
        msg.nak(RETRY_DELAY_MS);
        retried++;
        continue;
      }
      msg.ack();
      metrics.inc('sentinel_dead_letters_total', { reason: row.reason });
      metrics.inc('sentinel_cdr_ingestion_errors_total', { reason: row.reason });
      metrics.inc('sentinel_feed_rejected_total', { profile: profile.name, reason: row.reason });
    }
    count('published', published);
    count('rejected', lettersStored ? rejected.length : 0);
    count('retried', retried);
  }

  /** Commits the batch's dead letters (and sends their CDR_DLQ copies); false when Postgres refused. */
  private async storeDeadLetters(rows: readonly FeedDeadLetterRow[]): Promise<boolean> {
    if (rows.length === 0) return true;
    const { pool, deadLetters, logger, profile } = this.deps;
    try {
      await insertFeedDeadLetters(pool, rows);
    } catch (error) {
      logger.warn(
        { err: error, profile: profile.name, records: rows.length },
        'feed dead letters not stored; will retry',
      );
      return false;
    }
    for (const row of rows) {
      deadLetters
        .publishDeadLetter({
          data: row.raw,
          reason: row.reason,
          field: row.field,
          message: row.message,
          sourceSubject: row.subject,
          sourceSeq: row.streamSeq,
          profile: row.profile,
        })
        .catch((error: unknown) =>
          logger.error({ err: error, seq: row.streamSeq }, 'feed dead-letter publish failed'),
        );
    }
    return true;
  }

  private deadLetterRow(
    msg: JsMsg,
    reason: string,
    field: string | undefined,
    message: string,
  ): FeedDeadLetterRow {
    return {
      reason,
      field,
      message,
      subject: msg.subject,
      streamSeq: msg.seq,
      profile: this.deps.profile.name,
      sourceKey: `${this.deps.stream}:${msg.seq}:${msg.info.timestampNanos}`,
      raw: msg.data,
    };
  }
}
