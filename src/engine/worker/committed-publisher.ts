/**
 * Publish after commit (docs/adr/0014-case-storage-and-publish-after-commit.md). A batch's alerts and case
 * events reach NATS only once Postgres committed the batch, so a crash can never put an event on the stream
 * that the tables do not hold, and a replay after a crash (which re-derives events already committed) never
 * publishes anything: only what a commit newly inserted is published.
 *
 * - Alerts: the inserted ones, on `sentinel.alerts.<rule>.<severity>` with their `fraud_alerts` id. At most
 *   once: a crash between commit and publish loses the message (the row stays; case events are the reliable
 *   feed).
 * - Case events: on `sentinel.cases.<rule>.<kind>`; each one JetStream acknowledges is marked in
 *   `case_events.published_at` (batched, off the commit path). The unmarked rest — a crash between commit and
 *   publish, or NATS down longer than the publisher retries — is published again from the table by
 *   `publishBacklog`: by a partition's next owner before it starts, and by the owner itself every sweep.
 */
import type { Logger } from 'pino';
import type { WorkerMetricsRecorder } from '../../metrics/index.js';
import type { Batch, BatchStats, StoredCaseEvent } from '../../sinks/index.js';
import type { AlertPublisher, CaseEventPublisher } from '../../stream/index.js';

/** What the outbox needs from the sink's writer (PostgresBatchWriter). */
export interface CaseOutbox {
  unpublishedCaseEvents(partition: number, limit: number, minAgeMs: number): Promise<StoredCaseEvent[]>;
  markCaseEventsPublished(eventIds: readonly number[]): Promise<number>;
}

export interface CommittedPublisherOptions {
  alertPublisher: AlertPublisher;
  casePublisher: CaseEventPublisher;
  outbox: CaseOutbox;
  metrics: WorkerMetricsRecorder;
  logger: Logger;
  /** Acknowledged events are marked at most this long after their ack. @default 200 */
  markEveryMs?: number;
  /** Events read back from the outbox per round trip. @default 500 */
  backlogPageSize?: number;
  /**
   * Fault injection for the crash tests: SIGKILL the whole process right after the n-th commit that stored
   * case events, before anything of it is published. From `FAULT_KILL_AFTER_COMMIT`; never set in production.
   */
  killAfterCommit?: number;
}

export class CommittedPublisher {
  private readonly toMark: number[] = [];
  private markTimer: NodeJS.Timeout | undefined;
  private marking: Promise<void> = Promise.resolve();
  private commitsWithCaseEvents = 0;
  private readonly markEveryMs: number;
  private readonly pageSize: number;

  constructor(private readonly options: CommittedPublisherOptions) {
    this.markEveryMs = options.markEveryMs ?? 200;
    this.pageSize = options.backlogPageSize ?? 500;
  }

  /** After a commit: publishes what it inserted (the sink's `onCommitted`). Never throws. */
  committed(stats: BatchStats, batch: Batch): void {
    const { alertPublisher, logger } = this.options;
    if (stats.storedCaseEvents.length > 0) this.injectFault();
    if (stats.insertedAlertIds.size > 0) {
      for (const alert of batch.alerts) {
        const id = stats.insertedAlertIds.get(alert.alert_key);
        if (id === undefined) continue;
        alertPublisher
          .publishAlert(alert, id)
          .catch((error: unknown) =>
            logger.error({ err: error, alertKey: alert.alert_key }, 'alert publish failed'),
          );
      }
    }
    for (const stored of stats.storedCaseEvents) this.publishCaseEvent(stored);
    if (stats.storedCaseEvents.length > 0)
      this.options.metrics.inc('sentinel_case_events_stored_total', {}, stats.storedCaseEvents.length);
  }

  /**
   * Publishes `partition`'s case events that are not marked published (and were stored at least `minAgeMs`
   * ago), oldest first, waits for JetStream's acks and marks them. Returns how many were published; stops early
   * when a page makes no progress (NATS down): the next call goes on from there.
   */
  async publishBacklog(partition: number, minAgeMs = 0): Promise<number> {
    let published = 0;
    for (;;) {
      const page = await this.options.outbox.unpublishedCaseEvents(partition, this.pageSize, minAgeMs);
      if (page.length === 0) return published;
      let stored = 0;
      for (const event of page)
        this.publishCaseEvent(event, () => {
          stored += 1;
        });
      await this.options.casePublisher.flush().catch((error: unknown) => {
        this.options.logger.warn({ err: error, partition }, 'case events from the outbox not all stored');
      });
      await this.flushMarks();
      published += stored;
      if (stored === 0 || page.length < this.pageSize) return published;
    }
  }

  /** Marks what is acknowledged so far; resolves when done (shutdown, hand-off). */
  async flushMarks(): Promise<void> {
    clearTimeout(this.markTimer);
    this.markTimer = undefined;
    const ids = this.toMark.splice(0);
    this.marking = this.marking.then(async () => {
      if (ids.length === 0) return;
      try {
        await this.options.outbox.markCaseEventsPublished(ids);
      } catch (error) {
        // Unmarked events are published again from the outbox; JetStream drops the copies by Msg-Id.
        this.options.logger.warn({ err: error, events: ids.length }, 'case events not marked published');
      }
    });
    await this.marking;
  }

  private publishCaseEvent(stored: StoredCaseEvent, acked?: () => void): void {
    const { casePublisher, logger, metrics } = this.options;
    casePublisher
      .publishCaseEvent(stored.event, stored.caseId, (ok) => {
        if (!ok) return;
        metrics.inc('sentinel_case_events_published_total');
        acked?.();
        this.toMark.push(stored.eventId);
        this.markTimer ??= setTimeout(() => void this.flushMarks(), this.markEveryMs);
      })
      .catch((error: unknown) =>
        logger.error({ err: error, eventKey: stored.event.eventKey }, 'case event publish failed'),
      );
  }

  private injectFault(): void {
    const at = this.options.killAfterCommit;
    if (at === undefined) return;
    this.commitsWithCaseEvents += 1;
    if (this.commitsWithCaseEvents === at) {
      this.options.logger.warn('fault injection: SIGKILL after commit, before publishing');
      process.kill(process.pid, 'SIGKILL');
    }
  }
}
