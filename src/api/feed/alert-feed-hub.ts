/**
 * Fans alerts out to live feed subscribers. Each alert is serialised once and handed to every subscriber;
 * a subscriber owns a bounded queue and drops itself when that queue is full, so one slow client can never
 * hold memory or slow the engine, and the other clients still get every alert.
 */
import type { Logger } from 'pino';
import type { Severity } from '../../windows/index.js';
import type { EnginePort } from '../engine-port.js';
import { alertMessage, feedDataFromMessage, type FeedAlertData } from './feed-messages.js';

export interface FeedSubscriber {
  /** Only these severities; undefined for all. */
  readonly severities: ReadonlySet<Severity> | undefined;
  /** Queues one serialised message; never throws, never blocks. */
  deliver(message: string): void;
  /** Ends the connection (server shutdown). */
  close(reason: string): void;
}

export class AlertFeedHub {
  private readonly subscribers = new Set<FeedSubscriber>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly engine: EnginePort,
    private readonly logger: Logger,
  ) {}

  /** Starts listening to the pipeline's alerts. */
  start(): void {
    this.unsubscribe ??= this.engine.onAlert((alert) => this.publish(feedDataFromMessage(alert)));
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** Adds a subscriber; call the returned function when its connection ends. */
  add(subscriber: FeedSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => {
      this.subscribers.delete(subscriber);
    };
  }

  publish(data: FeedAlertData): void {
    if (this.subscribers.size === 0) return;
    const message = alertMessage(data);
    for (const subscriber of this.subscribers) {
      if (subscriber.severities !== undefined && !subscriber.severities.has(data.alert_severity)) continue;
      try {
        subscriber.deliver(message);
      } catch (error) {
        this.logger.warn({ err: error }, 'live feed subscriber failed; skipped');
      }
    }
  }

  /** Stops listening and ends every connection. */
  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const subscriber of [...this.subscribers]) subscriber.close('server shutting down');
    this.subscribers.clear();
  }
}
