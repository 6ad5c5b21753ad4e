/**
 * Publishes case events on `sentinel.cases.<rule>.<kind>` (e.g. `sentinel.cases.sdhf.opened`) into the CASES
 * stream, Msg-Id = `event_key`, body = the case event message (case-event-message.ts). The shard workers call it
 * only after the batch holding the event committed, and mark the event published once JetStream acknowledged it.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import type { CaseEvent } from '../windows/index.js';
import { AckingPublisher, type AckingPublisherOptions, type PublisherStats } from './acking-publisher.js';
import { caseEventMessage } from './case-event-message.js';
import { subjectToken } from './record-publishers.js';
import { DEFAULT_STREAM_NAMES } from './stream-setup.js';

export interface CaseEventPublisherOptions extends AckingPublisherOptions {
  /** @default 'sentinel.cases' */
  subjectPrefix?: string;
}

export class CaseEventPublisher {
  private readonly publisher: AckingPublisher;
  private readonly prefix: string;
  private readonly encoder = new TextEncoder();

  constructor(nc: NatsConnection, options: CaseEventPublisherOptions = {}) {
    this.publisher = new AckingPublisher(nc, options);
    this.prefix = options.subjectPrefix ?? DEFAULT_STREAM_NAMES.casesSubjectPrefix;
  }

  /** The subject a case event goes to, e.g. `sentinel.cases.sdhf.escalated`. */
  subjectFor(event: Pick<CaseEvent, 'rule' | 'kind'>): string {
    return `${this.prefix}.${subjectToken(event.rule)}.${subjectToken(event.kind)}`;
  }

  /**
   * Publishes one event of case `caseId`; resolves when there is room (not when acked). `onSettled` is told
   * whether JetStream stored it (a duplicate counts as stored).
   */
  publishCaseEvent(event: CaseEvent, caseId: number, onSettled?: (stored: boolean) => void): Promise<void> {
    return this.publisher.publish(
      this.subjectFor(event),
      this.encoder.encode(JSON.stringify(caseEventMessage(event, caseId))),
      event.eventKey,
      undefined,
      onSettled,
    );
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
