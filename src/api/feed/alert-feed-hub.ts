/**
 * Fans alerts and case events out to live feed subscribers. Each message is serialised once and handed to
 * every subscriber; a subscriber owns a bounded queue and drops itself when that queue is full, so one slow
 * client can never hold memory or slow the engine, and the other clients still get every message. Both come
 * from the engine after their commit, each once (EnginePort.onAlert / onCaseEvent).
 */
import type { Logger } from 'pino';
import type { CaseEventMessage } from '../../stream/index.js';
import type { Severity } from '../../windows/index.js';
import type { EnginePort } from '../engine-port.js';
import { alertMessage, caseMessage, feedDataFromMessage, type FeedAlertData } from './feed-messages.js';

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
  private unsubscribe: (() => void)[] = [];

  constructor(
    private readonly engine: EnginePort,
    private readonly logger: Logger,
  ) {}

  /** Starts listening to the pipeline's alerts and case events. */
  start(): void {
    if (this.unsubscribe.length > 0) return;
    this.unsubscribe.push(
      this.engine.onAlert((alert) => this.publish(feedDataFromMessage(alert))),
      this.engine.onCaseEvent((event) => this.publishCaseEvent(event)),
    );
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
    this.deliver(alertMessage(data), data.alert_severity);
  }

  /** A case event, as `{"type":"case","data":{…case event message with case_id…}}`. */
  publishCaseEvent(event: CaseEventMessage): void {
    if (this.subscribers.size === 0) return;
    this.deliver(caseMessage(event), event.severity);
  }

  private deliver(message: string, severity: Severity): void {
    for (const subscriber of this.subscribers) {
      if (subscriber.severities !== undefined && !subscriber.severities.has(severity)) continue;
      try {
        subscriber.deliver(message);
      } catch (error) {
        this.logger.warn({ err: error }, 'live feed subscriber failed; skipped');
      }
    }
  }

  /** Stops listening and ends every connection. */
  close(): void {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    for (const subscriber of [...this.subscribers]) subscriber.close('server shutting down');
    this.subscribers.clear();
  }
}
