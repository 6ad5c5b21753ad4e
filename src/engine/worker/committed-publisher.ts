/**
 * Publish after commit (docs/adr/0014-case-storage-and-publish-after-commit.md). A batch's alerts and case
 * events reach NATS only once Postgres committed the batch, so a crash can never put an event on a stream that
 * the tables do not hold, and a replay after a crash (which re-derives events already committed) never
 * publishes anything: only what a commit newly inserted is published.
 *
 * - Alerts go to `sentinel.alerts.<rule>.<severity>` with their `fraud_alerts` id, case events to
 *   `sentinel.cases.<rule>.<kind>` with their case id.
 * - Each one JetStream acknowledges is marked published (`fraud_alerts.published_at`,
 *   `case_events.published_at`), in batches, off the commit path. The unmarked rest — a crash between commit
 *   and publish, or NATS down longer than the publisher retries — is published again from the tables by
 *   `publishBacklog`: by a partition's next owner before it starts, and by the owner itself every sweep.
 *   JetStream drops the copies it already holds by Msg-Id (`alert_key`, `event_key`).
 */
import type { Logger } from 'pino';
import type { WorkerMetricsRecorder } from '../../metrics/index.js';
import type { Batch, BatchStats, StoredAlert, StoredCaseEvent } from '../../sinks/index.js';
import type { AlertPublisher, CaseEventPublisher } from '../../stream/index.js';

/** What the outboxes need from the sink's writer (PostgresBatchWriter). */
export interface Outbox {
  unpublishedCaseEvents(partition: number, limit: number, minAgeMs: number): Promise<StoredCaseEvent[]>;
  markCaseEventsPublished(eventIds: readonly number[]): Promise<number>;
  unpublishedAlerts(partition: number, limit: number, minAgeMs: number): Promise<StoredAlert[]>;
  markAlertsPublished(ids: readonly number[]): Promise<number>;
}

export interface CommittedPublisherOptions {
  alertPublisher: AlertPublisher;
  casePublisher: CaseEventPublisher;
  outbox: Outbox;
  metrics: WorkerMetricsRecorder;
  logger: Logger;
  /** Acknowledged messages are marked at most this long after their ack. @default 200 */
  markEveryMs?: number;
  /** Rows read back from an outbox per round trip. @default 500 */
  backlogPageSize?: number;
  /**
   * Fault injection for the crash tests: SIGKILL the whole process right after the n-th commit that stored
   * alerts or case events, before anything of it is published. From `FAULT_KILL_AFTER_COMMIT`; never set in
   * production.
   */
  killAfterCommit?: number;
}

export class CommittedPublisher {
  private readonly alertsToMark: number[] = [];
  private readonly eventsToMark: number[] = [];
  private markTimer: NodeJS.Timeout | undefined;
  private marking: Promise<void> = Promise.resolve();
  private commitsToPublish = 0;
  private failureListener: ((partition: number) => void) | undefined;
  private readonly markEveryMs: number;
  private readonly pageSize: number;

  constructor(private readonly options: CommittedPublisherOptions) {
    this.markEveryMs = options.markEveryMs ?? 200;
    this.pageSize = options.backlogPageSize ?? 500;
  }

  /** After a commit: publishes what it inserted (the sink's `onCommitted`). Never throws. */
  committed(stats: BatchStats, batch: Batch): void {
    if (stats.storedCaseEvents.length > 0 || stats.insertedAlertIds.size > 0) this.injectFault();
    if (stats.insertedAlertIds.size > 0) {
      batch.alerts.forEach((alert, i) => {
        const id = stats.insertedAlertIds.get(alert.alert_key);
        if (id !== undefined) this.publishAlert({ alert, id, partition: batch.alertPartitions?.[i] ?? -1 });
      });
    }
    for (const stored of stats.storedCaseEvents) this.publishCaseEvent(stored);
    if (stats.storedCaseEvents.length > 0)
      this.options.metrics.inc('sentinel_case_events_stored_total', {}, stats.storedCaseEvents.length);
  }

  /**
   * Publishes `partition`'s alerts and case events that are not marked published (and were stored at least
   * `minAgeMs` ago), oldest first, waits for JetStream's acks and marks them. Returns how many were published;
   * stops early when a page makes no progress (NATS down): the next call goes on from there.
   */
  async publishBacklog(partition: number, minAgeMs = 0): Promise<number> {
    const { outbox, alertPublisher, casePublisher } = this.options;
    const alerts = await this.drain(
      partition,
      () => outbox.unpublishedAlerts(partition, this.pageSize, minAgeMs),
      (stored, acked) => this.publishAlert(stored, acked),
      () => alertPublisher.flush(),
    );
    const events = await this.drain(
      partition,
      () => outbox.unpublishedCaseEvents(partition, this.pageSize, minAgeMs),
      (stored, acked) => this.publishCaseEvent(stored, acked),
      () => casePublisher.flush(),
    );
    return alerts + events;
  }

  /**
   * Waits (at most `timeoutMs`: the publishers are shared with the other partitions, whose traffic may keep
   * them busy) until what was published is acknowledged, then marks it: before a hand-off, so the next owner
   * finds little of ours left to re-publish. Whatever is still unmarked it publishes again, harmlessly.
   */
  async settle(timeoutMs = 2_000): Promise<void> {
    const { alertPublisher, casePublisher, logger } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    const flushed = Promise.allSettled([alertPublisher.flush(), casePublisher.flush()]).then((results) => {
      for (const result of results)
        if (result.status === 'rejected')
          logger.warn({ err: result.reason }, 'messages not stored; the next owner publishes them');
    });
    await Promise.race([flushed, deadline]);
    clearTimeout(timer);
    await this.flushMarks();
  }

  /**
   * Called with the partition of every message JetStream did not store (no responders while a stream elects a
   * leader, NATS down): the owner then publishes its outbox again soon instead of at the next sweep.
   */
  onPublishFailed(listener: (partition: number) => void): void {
    this.failureListener = listener;
  }

  /** Marks what is acknowledged so far; resolves when done (shutdown, hand-off). */
  async flushMarks(): Promise<void> {
    clearTimeout(this.markTimer);
    this.markTimer = undefined;
    const alertIds = this.alertsToMark.splice(0);
    const eventIds = this.eventsToMark.splice(0);
    const { outbox, logger } = this.options;
    this.marking = this.marking.then(async () => {
      try {
        if (alertIds.length > 0) await outbox.markAlertsPublished(alertIds);
        if (eventIds.length > 0) await outbox.markCaseEventsPublished(eventIds);
      } catch (error) {
        // Unmarked rows are published again from the outbox; JetStream drops the copies by Msg-Id.
        logger.warn(
          { err: error, alerts: alertIds.length, events: eventIds.length },
          'published messages not marked',
        );
      }
    });
    await this.marking;
  }

  private async drain<T>(
    partition: number,
    read: () => Promise<T[]>,
    publish: (item: T, acked: () => void) => void,
    flush: () => Promise<void>,
  ): Promise<number> {
    let published = 0;
    for (;;) {
      const page = await read();
      if (page.length === 0) return published;
      let stored = 0;
      for (const item of page)
        publish(item, () => {
          stored += 1;
        });
      await flush().catch((error: unknown) => {
        this.options.logger.warn({ err: error, partition }, 'messages from the outbox not all stored');
      });
      await this.flushMarks();
      published += stored;
      if (stored === 0 || page.length < this.pageSize) return published;
    }
  }

  private publishAlert(stored: StoredAlert, acked?: () => void): void {
    const { alertPublisher, logger } = this.options;
    alertPublisher
      .publishAlert(stored.alert, stored.id, (ok) => {
        if (!ok) return this.failureListener?.(stored.partition);
        acked?.();
        this.mark(this.alertsToMark, stored.id);
      })
      .catch((error: unknown) => {
        logger.error({ err: error, alertKey: stored.alert.alert_key }, 'alert publish failed');
        this.failureListener?.(stored.partition);
      });
  }

  private publishCaseEvent(stored: StoredCaseEvent, acked?: () => void): void {
    const { casePublisher, logger, metrics } = this.options;
    casePublisher
      .publishCaseEvent(stored.event, stored.caseId, (ok) => {
        if (!ok) return this.failureListener?.(stored.partition);
        metrics.inc('sentinel_case_events_published_total');
        acked?.();
        this.mark(this.eventsToMark, stored.eventId);
      })
      .catch((error: unknown) => {
        logger.error({ err: error, eventKey: stored.event.eventKey }, 'case event publish failed');
        this.failureListener?.(stored.partition);
      });
  }

  private mark(list: number[], id: number): void {
    list.push(id);
    this.markTimer ??= setTimeout(() => void this.flushMarks(), this.markEveryMs);
  }

  private injectFault(): void {
    const at = this.options.killAfterCommit;
    if (at === undefined) return;
    this.commitsToPublish += 1;
    if (this.commitsToPublish === at) {
      this.options.logger.warn('fault injection: SIGKILL after commit, before publishing');
      process.kill(process.pid, 'SIGKILL');
    }
  }
}
