/**
 * Publishers for the engine's streams, all on the AckingPublisher mechanism:
 * - CdrPublisher: `cdr.in.<fnv1a32(caller) mod P>`, Msg-Id = call_id (switches, `sentinel publish`, load tests,
 *   the feed normaliser); dead-letter replays with Msg-Id `dlq-<id>` and `Sentinel-Replay-Of: <id>`.
 * - AlertPublisher: `sentinel.alerts.<rule>.<severity>`, Msg-Id = alert_key, body = AlertMessage JSON.
 * - DeadLetterPublisher: `cdr.dlq`, the raw bytes with the reason in `Sentinel-*` headers.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import type { AlertMessage } from '../windows/index.js';
import { AckingPublisher, type AckingPublisherOptions, type PublisherStats } from './acking-publisher.js';
import type { Cdr } from '../codec/index.js';
import { encodeCdr } from '../codec/index.js';
import { partitionOf, partitionOfCaller } from '../codec/index.js';
import { cdrSubject } from './subjects.js';
import { DEFAULT_STREAM_NAMES } from './stream-setup.js';

/**
 * Headers Sentinel sets on the messages it publishes. A contract: dashboards, `nats` CLI users and the shard
 * workers read them.
 */
export const SENTINEL_HEADERS = {
  /** Dead letters: the CdrReason. */
  reason: 'Sentinel-Reason',
  field: 'Sentinel-Field',
  message: 'Sentinel-Message',
  sourceSubject: 'Sentinel-Source-Subject',
  sourceSeq: 'Sentinel-Source-Seq',
  /** Dead letters from a feed: the input profile that rejected the record. */
  profile: 'Sentinel-Profile',
  /** Replayed dead letters: the `dead_letters.id` the record was replayed from. */
  replayOf: 'Sentinel-Replay-Of',
} as const;

/** Shared plumbing: each typed publisher owns one AckingPublisher and forwards flush/stats/close. */
abstract class PublisherFacade {
  protected readonly publisher: AckingPublisher;

  constructor(nc: NatsConnection, options: AckingPublisherOptions) {
    this.publisher = new AckingPublisher(nc, options);
  }

  /** @see AckingPublisher.flush */
  flush(): Promise<void> {
    return this.publisher.flush();
  }

  stats(): PublisherStats {
    return this.publisher.stats();
  }

  /** @see AckingPublisher.close */
  close(): Promise<void> {
    return this.publisher.close();
  }
}

export interface CdrPublisherOptions extends AckingPublisherOptions {
  /** Partitions of the CDR stream; must match the engine's PARTITIONS. */
  partitions: number;
  /** @default 'cdr.in' */
  subjectPrefix?: string;
}

export class CdrPublisher extends PublisherFacade {
  private readonly partitions: number;
  private readonly subjects: string[];

  constructor(nc: NatsConnection, options: CdrPublisherOptions) {
    super(nc, options);
    if (!Number.isInteger(options.partitions) || options.partitions < 1) {
      throw new RangeError(`options.partitions must be a positive integer, got ${options.partitions}`);
    }
    this.partitions = options.partitions;
    const prefix = options.subjectPrefix ?? DEFAULT_STREAM_NAMES.cdrSubjectPrefix;
    // One string per partition, built once: the subject is needed per message.
    this.subjects = Array.from({ length: options.partitions }, (_, p) => cdrSubject(p, prefix));
  }

  /** Publishes a CDR in canonical JSON on its caller's partition, Msg-Id = call_id. Resolves when there is room. */
  publishCdr(cdr: Cdr): Promise<void> {
    const subject = this.subjects[partitionOfCaller(cdr.caller, this.partitions)] as string;
    return this.publisher.publish(subject, encodeCdr(cdr), cdr.callId);
  }

  /**
   * Publishes CDR bytes as they are (e.g. a line read from a file) on the partition of `callerDigits`
   * (digits, no `+`), Msg-Id = `callId`.
   */
  publishRaw(bytes: Uint8Array, callId: string, callerDigits: string): Promise<void> {
    const subject = this.subjects[partitionOf(callerDigits, this.partitions)] as string;
    return this.publisher.publish(subject, bytes, callId);
  }

  /**
   * Publishes a CDR recovered from `dead_letters` row `deadLetterId`: Msg-Id `dlq-<id>` (a replay repeated
   * within the duplicate window is dropped by JetStream) and header `Sentinel-Replay-Of`, which the sink uses to
   * store each dead letter's record at most once however often and however late it is replayed.
   */
  publishReplay(cdr: Cdr, deadLetterId: number): Promise<void> {
    const subject = this.subjects[partitionOfCaller(cdr.caller, this.partitions)] as string;
    return this.publisher.publish(subject, encodeCdr(cdr), `dlq-${deadLetterId}`, {
      [SENTINEL_HEADERS.replayOf]: String(deadLetterId),
    });
  }
}

export interface AlertPublisherOptions extends AckingPublisherOptions {
  /** @default 'sentinel.alerts' */
  subjectPrefix?: string;
}

/** A subject token from free text: NATS forbids `.`, `*`, `>` and whitespace inside a token. */
export function subjectToken(text: string): string {
  const token = text.replace(/[.*>\s]/g, '_');
  return token === '' ? '_' : token;
}

export class AlertPublisher extends PublisherFacade {
  private readonly prefix: string;
  private readonly encoder = new TextEncoder();

  constructor(nc: NatsConnection, options: AlertPublisherOptions = {}) {
    super(nc, options);
    this.prefix = options.subjectPrefix ?? DEFAULT_STREAM_NAMES.alertsSubjectPrefix;
  }

  /** The subject an alert goes to, e.g. `sentinel.alerts.sdhf.high`. */
  subjectFor(alert: Pick<AlertMessage, 'rule' | 'alert_severity'>): string {
    return `${this.prefix}.${subjectToken(alert.rule)}.${subjectToken(alert.alert_severity.toLowerCase())}`;
  }

  /**
   * Publishes the alert JSON with Msg-Id = alert_key, so a replayed alert is stored once. `id` (the
   * `fraud_alerts` row, known once the alert is committed) is added to the body as `id` when given.
   */
  publishAlert(alert: AlertMessage, id?: number, onSettled?: (stored: boolean) => void): Promise<void> {
    const body = id === undefined ? alert : { id, ...alert };
    return this.publisher.publish(
      this.subjectFor(alert),
      this.encoder.encode(JSON.stringify(body)),
      alert.alert_key,
      undefined,
      onSettled,
    );
  }
}

export interface DeadLetter {
  /** The record exactly as received. */
  data: Uint8Array;
  /** A CdrReason, or another machine-readable code. */
  reason: string;
  /** The offending field, when there is one. */
  field?: string | undefined;
  /** Human-readable detail (e.g. DecodeResult.message). */
  message?: string | undefined;
  sourceSubject?: string | undefined;
  sourceSeq?: number | undefined;
  /** The input profile that rejected the record (feed dead letters). */
  profile?: string | undefined;
}

export interface DeadLetterPublisherOptions extends AckingPublisherOptions {
  /** @default 'cdr.dlq' */
  subject?: string;
}

/** Header values cannot hold CR or LF; keep them short too. */
function headerValue(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .trim()
    .slice(0, 512);
}

export class DeadLetterPublisher extends PublisherFacade {
  private readonly subject: string;

  constructor(nc: NatsConnection, options: DeadLetterPublisherOptions = {}) {
    super(nc, options);
    this.subject = options.subject ?? DEFAULT_STREAM_NAMES.dlqSubject;
  }

  /**
   * Publishes the raw record with headers `Sentinel-Reason`, `Sentinel-Field`, `Sentinel-Message`,
   * `Sentinel-Source-Subject`, `Sentinel-Source-Seq`, `Sentinel-Profile` (those known). When the source subject
   * and sequence are given they form the Msg-Id, so re-processing the same message after a restart does not
   * dead-letter it twice.
   */
  publishDeadLetter(letter: DeadLetter): Promise<void> {
    const headers: Record<string, string> = { [SENTINEL_HEADERS.reason]: headerValue(letter.reason) };
    if (letter.field !== undefined && letter.field !== '')
      headers[SENTINEL_HEADERS.field] = headerValue(letter.field);
    if (letter.message !== undefined && letter.message !== '')
      headers[SENTINEL_HEADERS.message] = headerValue(letter.message);
    if (letter.sourceSubject !== undefined)
      headers[SENTINEL_HEADERS.sourceSubject] = headerValue(letter.sourceSubject);
    if (letter.sourceSeq !== undefined) headers[SENTINEL_HEADERS.sourceSeq] = String(letter.sourceSeq);
    if (letter.profile !== undefined) headers[SENTINEL_HEADERS.profile] = headerValue(letter.profile);
    const msgId =
      letter.sourceSubject !== undefined && letter.sourceSeq !== undefined
        ? `dlq:${letter.sourceSubject}:${letter.sourceSeq}`
        : undefined;
    return this.publisher.publish(this.subject, letter.data, msgId, headers);
  }
}
