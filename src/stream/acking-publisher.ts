/**
 * Fast JetStream publishing without `js.publish()` (docs/design.md §6; docs/adr/0003-publishing-and-partitions.md).
 *
 * `js.publish()` is a request per message: it builds Error objects for async stack traces and for its
 * per-request cancel path, and tops out around 30–50k msg/s here. JetStream only needs a reply subject to
 * send its PubAck to, so this class does a core `nc.publish(subject, data, { reply, headers })` with reply
 * `<inbox>.<n>` and reads every PubAck through ONE wildcard subscription on `<inbox>.*`. In-flight messages
 * are bounded (`publish()` waits for room), a sweep re-sends those without an ack in time or refused with 503
 * (same `Nats-Msg-Id`, so JetStream's duplicate window makes the re-send safe), and gives up after
 * `maxRetries`, counting the failure.
 *
 * Without a Msg-Id a re-send after a lost ack can store the message twice; publish CDRs and alerts with ids.
 */
import { createInbox } from '@nats-io/nats-core';
import type { Msg, NatsConnection, PublishOptions, Subscription } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { PublishHeaders } from './publish-headers.js';
import { PublisherClosedError, PublishFailedError, type PublishFailure } from './stream-errors.js';

export interface AckingPublisherOptions {
  /** Messages sent but not yet acknowledged; `publish()` waits while this many are out. @default 1024 */
  maxInFlight?: number;
  /** A message without a PubAck after this long is re-sent. @default 5_000 */
  ackTimeoutMs?: number;
  /** Re-sends (after a timeout or a 503) before a message counts as failed. @default 3 */
  maxRetries?: number;
  /** Wait before re-sending a message refused with 503, times the attempt number. @default 250 */
  retryDelayMs?: number;
  /** Failures kept for the error `flush()` throws; the count is never capped. @default 100 */
  maxFailuresKept?: number;
  /** Inbox prefix for PubAck replies (must match the connection's permissions). @default createInbox() */
  inboxPrefix?: string;
  /** Called once per message that failed for good. */
  onFailure?: (failure: PublishFailure) => void;
  logger?: Logger;
}

export interface PublisherStats {
  /** Messages handed to `publish()` and sent (re-sends not counted). */
  published: number;
  /** Messages JetStream acknowledged, duplicates included. */
  acked: number;
  /** Acks that said `duplicate: true`: the Msg-Id was already stored within the duplicate window. */
  duplicates: number;
  /** Messages given up on after retries, or refused with a non-retryable error. */
  failed: number;
  /** Re-sends after a timeout or 503. */
  retries: number;
  inFlight: number;
}

interface PendingMessage {
  readonly id: number;
  readonly subject: string;
  readonly data: Uint8Array;
  /** Reply subject `<inbox>.<id>` and headers, kept for re-sends. */
  readonly sendOptions: PublishOptions;
  readonly msgId: string | undefined;
  /** Told once whether JetStream stored the message (duplicates count as stored). */
  readonly onSettled: ((stored: boolean) => void) | undefined;
  /** Sends so far, the first included. */
  attempts: number;
  /** When the sweep acts on it: ack timeout, or end of the back-off before a re-send. */
  deadlineMs: number;
  awaitingRetry: boolean;
}

interface PubAckJson {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  error?: { code?: number; err_code?: number; description?: string };
}

const NO_RESPONDERS = 503;

export class AckingPublisher {
  private readonly maxInFlight: number;
  private readonly ackTimeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryDelayMs: number;
  private readonly maxFailuresKept: number;
  private readonly inbox: string;
  private readonly subscription: Subscription;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly pending = new Map<number, PendingMessage>();
  private readonly roomWaiters: (() => void)[] = [];
  private drainedWaiters: (() => void)[] = [];
  /** Accepted by publish() but not yet handed to the client; see sendUnsent. */
  private unsent: PendingMessage[] = [];
  private sendScheduled = false;
  private nextId = 1;
  private closing = false;
  private failuresSinceFlush: PublishFailure[] = [];
  private failedSinceFlush = 0;
  private readonly counters = { published: 0, acked: 0, duplicates: 0, failed: 0, retries: 0 };

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: AckingPublisherOptions = {},
  ) {
    this.maxInFlight = positive('maxInFlight', options.maxInFlight ?? 1024);
    this.ackTimeoutMs = positive('ackTimeoutMs', options.ackTimeoutMs ?? 5_000);
    this.maxRetries = Math.max(0, Math.floor(options.maxRetries ?? 3));
    this.retryDelayMs = Math.max(0, options.retryDelayMs ?? 250);
    this.maxFailuresKept = Math.max(0, options.maxFailuresKept ?? 100);
    this.inbox = options.inboxPrefix ?? createInbox();
    this.subscription = nc.subscribe(`${this.inbox}.*`, {
      callback: (error, msg) => {
        if (error) options.logger?.warn({ err: error }, 'PubAck subscription error');
        else this.onAck(msg);
      },
    });
    const sweepMs = Math.min(
      250,
      Math.max(10, Math.floor(Math.min(this.ackTimeoutMs, this.retryDelayMs || 250) / 4)),
    );
    this.sweepTimer = setInterval(() => this.sweep(), sweepMs);
    // The sweep only matters while messages are out; it must not keep the process alive by itself.
    this.sweepTimer.unref();
    void nc.closed().then(() => this.failAll('connection closed'));
  }

  /**
   * Queues one message for sending. Resolves when there is room (not when acked): await it to respect
   * `maxInFlight`. `msgId` becomes the `Nats-Msg-Id` header. Rejects with PublisherClosedError after
   * `close()` or once the connection is closed; a message the client refuses to send (bad subject, over
   * max_payload) counts as failed. `onSettled` is told once whether JetStream stored the message (an ack that
   * says `duplicate` counts as stored: the Msg-Id is already in the stream).
   */
  async publish(
    subject: string,
    data: Uint8Array,
    msgId?: string,
    headers?: Record<string, string>,
    onSettled?: (stored: boolean) => void,
  ): Promise<void> {
    while (this.pending.size >= this.maxInFlight && !this.closing) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    if (this.closing || this.nc.isClosed()) throw new PublisherClosedError();
    const messageHeaders =
      msgId !== undefined || headers !== undefined ? new PublishHeaders(msgId, headers) : undefined;
    const id = this.nextId++;
    const reply = `${this.inbox}.${id}`;
    const message: PendingMessage = {
      id,
      subject,
      data,
      sendOptions: messageHeaders === undefined ? { reply } : { reply, headers: messageHeaders },
      msgId,
      onSettled,
      attempts: 1,
      deadlineMs: Number.POSITIVE_INFINITY,
      awaitingRetry: false,
    };
    this.pending.set(id, message);
    this.counters.published++;
    this.unsent.push(message);
    if (!this.sendScheduled) {
      this.sendScheduled = true;
      setImmediate(this.sendUnsent);
    }
  }

  /**
   * Hands the queued messages to the client in one synchronous run. The client flushes its socket in a
   * microtask after the first message of a run, so a caller that awaits publish() per message would
   * otherwise cause one socket write per message (about 20k msg/s here); batching per event-loop turn
   * gives one write per batch.
   */
  private readonly sendUnsent = (): void => {
    this.sendScheduled = false;
    const batch = this.unsent;
    this.unsent = [];
    const nowMs = Date.now();
    for (const message of batch) {
      // Already settled (e.g. failed when the connection closed) before it could be sent.
      if (this.pending.get(message.id) !== message) continue;
      message.deadlineMs = nowMs + this.ackTimeoutMs;
      try {
        this.nc.publish(message.subject, message.data, message.sendOptions);
      } catch (error) {
        this.fail(
          message,
          undefined,
          `send failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  };

  /** Resolves when every published message is settled; rejects with PublishFailedError if any failed since the last flush. */
  async flush(): Promise<void> {
    if (this.pending.size > 0) await new Promise<void>((resolve) => this.drainedWaiters.push(resolve));
    if (this.failedSinceFlush > 0) {
      const error = new PublishFailedError(this.failedSinceFlush, this.failuresSinceFlush);
      this.failedSinceFlush = 0;
      this.failuresSinceFlush = [];
      throw error;
    }
  }

  stats(): PublisherStats {
    return { ...this.counters, inFlight: this.pending.size };
  }

  /** Stops accepting messages, waits until those out are settled, then drops the PubAck subscription. */
  async close(): Promise<void> {
    this.closing = true;
    for (const wake of this.roomWaiters.splice(0)) wake();
    if (this.pending.size > 0) await new Promise<void>((resolve) => this.drainedWaiters.push(resolve));
    clearInterval(this.sweepTimer);
    if (!this.nc.isClosed()) this.subscription.unsubscribe();
  }

  private onAck(msg: Msg): void {
    const id = Number(msg.subject.slice(this.inbox.length + 1));
    const message = this.pending.get(id);
    // An ack for a message already settled: the first send's ack arriving after a re-send. Nothing to do.
    if (message === undefined) return;
    if (msg.data.length === 0) {
      const status = msg.headers?.code ?? 0;
      if (status === NO_RESPONDERS)
        this.retryLater(message, NO_RESPONDERS, 'no responders: no stream on this subject yet');
      else this.fail(message, status || undefined, `empty PubAck (status ${status})`);
      return;
    }
    let ack: PubAckJson;
    try {
      ack = JSON.parse(msg.string()) as PubAckJson;
    } catch {
      this.fail(message, undefined, 'unreadable PubAck');
      return;
    }
    if (ack.error !== undefined) {
      const description = ack.error.description ?? 'JetStream error';
      if (ack.error.code === NO_RESPONDERS) this.retryLater(message, NO_RESPONDERS, description);
      else this.fail(message, ack.error.err_code ?? ack.error.code, description);
      return;
    }
    this.counters.acked++;
    if (ack.duplicate === true) this.counters.duplicates++;
    this.settle(message.id);
    this.tell(message, true);
  }

  private retryLater(message: PendingMessage, code: number, description: string): void {
    if (message.attempts > this.maxRetries) {
      this.fail(message, code, description);
      return;
    }
    message.awaitingRetry = true;
    message.deadlineMs = Date.now() + this.retryDelayMs * message.attempts;
  }

  /** Re-sends what is due and gives up on what has used its retries. */
  private sweep(): void {
    if (this.pending.size === 0) return;
    const nowMs = Date.now();
    for (const message of this.pending.values()) {
      if (message.deadlineMs > nowMs) continue;
      if (!message.awaitingRetry && message.attempts > this.maxRetries) {
        this.fail(
          message,
          undefined,
          `no PubAck within ${this.ackTimeoutMs} ms after ${message.attempts} attempt(s)`,
        );
        continue;
      }
      message.attempts++;
      message.awaitingRetry = false;
      message.deadlineMs = nowMs + this.ackTimeoutMs;
      this.counters.retries++;
      try {
        this.nc.publish(message.subject, message.data, message.sendOptions);
      } catch (error) {
        this.fail(
          message,
          undefined,
          `re-send failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  private fail(message: PendingMessage, errorCode: number | undefined, description: string): void {
    const failure: PublishFailure = {
      subject: message.subject,
      msgId: message.msgId,
      errorCode,
      description,
      attempts: message.attempts,
    };
    this.counters.failed++;
    this.failedSinceFlush++;
    if (this.failuresSinceFlush.length < this.maxFailuresKept) this.failuresSinceFlush.push(failure);
    this.options.logger?.warn(failure, 'message not stored by JetStream');
    this.options.onFailure?.(failure);
    this.settle(message.id);
    this.tell(message, false);
  }

  private tell(message: PendingMessage, stored: boolean): void {
    try {
      message.onSettled?.(stored);
    } catch (error) {
      this.options.logger?.error({ err: error, msgId: message.msgId }, 'publish settle callback threw');
    }
  }

  private failAll(description: string): void {
    for (const message of [...this.pending.values()]) this.fail(message, undefined, description);
  }

  private settle(id: number): void {
    this.pending.delete(id);
    if (this.roomWaiters.length > 0 && this.pending.size < this.maxInFlight) this.roomWaiters.shift()?.();
    if (this.pending.size === 0 && this.drainedWaiters.length > 0) {
      const waiters = this.drainedWaiters;
      this.drainedWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`options.${name} must be a positive number, got ${value}`);
  return value;
}
