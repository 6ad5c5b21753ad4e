/**
 * Commits batches to Postgres over one connection of its own (one writer per shard worker). A failed attempt
 * is rolled back, the connection is dropped and a new one opened for the next attempt; attempts repeat with
 * exponential backoff and jitter until one commits or the writer is closed — a batch is never dropped. A
 * circuit breaker stops attempts for a while after repeated failures. Exactly-once comes from batch-commit.ts.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Logger } from 'pino';
import { commitBatch } from './batch-commit.js';
import { claimPartition, type ClaimResult, type PartitionClaim } from './partition-claims.js';
import type { Batch, BatchStats, BatchWriter, BreakerState, StoredCaseEvent } from './batch-types.js';
import { markCaseEventsPublished, selectUnpublishedCaseEvents } from './case-outbox.js';
import { markAlertsPublished, selectUnpublishedAlerts, type StoredAlert } from './alert-store.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { dayNumber, ensurePartitionDays } from './daily-partitions.js';
import { backoffDelayMs, WakeableSleeper } from './retry-backoff.js';
import { isStorableTime } from './row-checks.js';
import { SinkAttemptTimeoutError, SinkClosedError } from './sink-errors.js';

export interface PostgresBatchWriterOptions {
  connectionString: string;
  /** Names this writer's rows in `sink_offsets` (e.g. the durable consumer's name). */
  consumer: string;
  /** First retry delay. @default 200 */
  retryBaseMs?: number;
  /** Retry delay cap. @default 10_000 */
  retryMaxMs?: number;
  /** Consecutive failed attempts that open the breaker. @default 5 */
  breakerFailureThreshold?: number;
  /** How long the breaker stays open before one trial attempt. @default 5_000 */
  breakerResetMs?: number;
  /** Server-side `statement_timeout` of the connection. @default 30_000 */
  statementTimeoutMs?: number;
  /** Connection establishment timeout. @default 10_000 */
  connectTimeoutMs?: number;
  /** Client-side limit for one whole attempt; past it the socket is destroyed (a hung network). @default 60_000 */
  attemptTimeoutMs?: number;
  logger: Logger;
  onBreakerChange?: (state: BreakerState) => void;
  /** Every failed attempt, before its backoff (for a retry counter). */
  onRetry?: (error: unknown, attempt: number) => void;
  /** Builds the connection; for TLS setups, or to inject faults in tests. @default new pg.Client(config) */
  clientFactory?: (config: pg.ClientConfig) => pg.Client;
  /** Jitter source. @default Math.random */
  random?: () => number;
}

export class PostgresBatchWriter implements BatchWriter {
  private readonly options: PostgresBatchWriterOptions;
  private readonly logger: Logger;
  private readonly breaker: CircuitBreaker;
  private readonly sleeper = new WakeableSleeper();
  /** Days whose partition this writer knows exists; cleared after any failure in case retention dropped one. */
  private readonly knownDays = new Set<number>();
  private client: pg.Client | undefined;
  private current: Promise<unknown> | undefined;
  private closed = false;
  private lastBreakerState: BreakerState = 'closed';
  /**
   * The one connection carries one transaction at a time: a claim must never run inside a batch's
   * transaction, so every operation waits for the previous one.
   */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: PostgresBatchWriterOptions) {
    this.options = options;
    this.logger = options.logger;
    this.breaker = new CircuitBreaker({
      failureThreshold: options.breakerFailureThreshold ?? 5,
      resetMs: options.breakerResetMs ?? 5_000,
      onChange: (state) => this.breakerChanged(state),
    });
  }

  /** Commits the batch; retries until it is committed. Rejects with SinkClosedError only if closed first. */
  async write(batch: Batch): Promise<BatchStats> {
    const days = new Set<number>();
    for (const row of batch.records) if (isStorableTime(row.startMs)) days.add(dayNumber(row.startMs));
    for (const day of batch.encodedRecords?.days ?? []) days.add(day);
    return await this.exclusive('write', async (client, attempt) => {
      const startedMs = performance.now();
      const missing = [...days].filter((day) => !this.knownDays.has(day));
      if (missing.length > 0) {
        const created = await ensurePartitionDays(client, missing);
        if (created.length > 0)
          this.logger.info({ created }, 'call_records partitions created for incoming rows');
        for (const day of missing) this.knownDays.add(day);
      }
      const result = await commitBatch(client, this.options.consumer, batch);
      return { ...result, attempts: attempt, commitMs: performance.now() - startedMs };
    });
  }

  /**
   * The committed offset of each partition (0 when nothing was committed yet; JetStream sequences start at
   * 1). Messages at or below it were written: replay them into the windows, but do not add their rows.
   */
  async loadOffsets(partitions: readonly number[]): Promise<Map<number, number>> {
    return await this.exclusive('loadOffsets', async (client) => {
      const result = await client.query<{ partition: number; last_seq: string }>(
        'SELECT partition, last_seq FROM sink_offsets WHERE consumer = $1 AND partition = ANY($2::int[])',
        [this.options.consumer, [...partitions]],
      );
      const offsets = new Map(partitions.map((partition) => [partition, 0]));
      for (const row of result.rows) offsets.set(row.partition, Number(row.last_seq));
      return offsets;
    });
  }

  /**
   * Claims a partition under a lease epoch (see partition-claims.ts): retried like a batch until Postgres
   * answers; resolves with the committed offset, or with `claimed: false` when a newer owner exists.
   */
  async claimPartition(claim: Omit<PartitionClaim, 'consumer'>): Promise<ClaimResult> {
    return await this.exclusive('claimPartition', (client) =>
      claimPartition(client, { ...claim, consumer: this.options.consumer }),
    );
  }

  /**
   * The case-event outbox of `partition`: up to `limit` events not yet marked published (and stored at least
   * `minAgeMs` ago), oldest first.
   */
  async unpublishedCaseEvents(partition: number, limit: number, minAgeMs = 0): Promise<StoredCaseEvent[]> {
    return await this.exclusive('unpublishedCaseEvents', (client) =>
      selectUnpublishedCaseEvents(client, partition, limit, minAgeMs),
    );
  }

  /** Marks case events published once JetStream acknowledged them (case_events.published_at). */
  async markCaseEventsPublished(eventIds: readonly number[]): Promise<number> {
    return await this.exclusive('markCaseEventsPublished', (client) =>
      markCaseEventsPublished(client, eventIds),
    );
  }

  /** The alert outbox of `partition`, like `unpublishedCaseEvents` (migration 0005). */
  async unpublishedAlerts(partition: number, limit: number, minAgeMs = 0): Promise<StoredAlert[]> {
    return await this.exclusive('unpublishedAlerts', (client) =>
      selectUnpublishedAlerts(client, partition, limit, minAgeMs),
    );
  }

  /** Marks alerts published once JetStream acknowledged them (fraud_alerts.published_at). */
  async markAlertsPublished(ids: readonly number[]): Promise<number> {
    return await this.exclusive('markAlertsPublished', (client) => markAlertsPublished(client, ids));
  }

  private exclusive<T>(
    what: string,
    attemptOnce: (client: pg.Client, attempt: number) => Promise<T>,
  ): Promise<T> {
    const run = this.queue.then(() => this.withRetries(what, attemptOnce));
    this.queue = run.catch(() => undefined);
    return run;
  }

  breakerState(): BreakerState {
    return this.breaker.state();
  }

  /** Stops retrying (a pending write rejects with SinkClosedError), waits for a running attempt, disconnects. */
  async close(): Promise<void> {
    this.closed = true;
    this.sleeper.wakeAll();
    await this.current?.catch(() => undefined);
    await this.dropClient();
  }

  private async withRetries<T>(
    what: string,
    attemptOnce: (client: pg.Client, attempt: number) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      for (let waitMs = this.breaker.msUntilAttempt(); waitMs > 0; waitMs = this.breaker.msUntilAttempt()) {
        this.throwIfClosed(what);
        await this.sleeper.sleep(waitMs);
      }
      this.throwIfClosed(what);
      try {
        const running = this.runAttempt(attemptOnce, attempt);
        this.current = running;
        const result = await running;
        this.breaker.recordSuccess();
        if (attempt > 1) {
          this.logger.info({ what, attempts: attempt }, 'postgres sink attempt succeeded after retries');
        }
        return result;
      } catch (error) {
        this.knownDays.clear();
        // The session's state is unknown after a failure (mid-COPY, mid-COMMIT): start the next one fresh.
        await this.dropClient();
        if (this.closed) throw new SinkClosedError(what, { cause: error });
        this.breaker.recordFailure();
        this.options.onRetry?.(error, attempt);
        const delayMs = backoffDelayMs(
          attempt,
          this.options.retryBaseMs ?? 200,
          this.options.retryMaxMs ?? 10_000,
          this.options.random,
        );
        // One warning per failure streak; the breaker logs when it opens. Details of the rest at debug.
        const level = attempt === 1 ? 'warn' : 'debug';
        this.logger[level](
          { err: error, what, attempt, retryInMs: Math.round(delayMs) },
          'postgres sink attempt failed; will retry',
        );
        await this.sleeper.sleep(delayMs);
      }
    }
  }

  private async runAttempt<T>(
    attemptOnce: (client: pg.Client, attempt: number) => Promise<T>,
    attempt: number,
  ): Promise<T> {
    const client = await this.connect();
    const timeoutMs = this.options.attemptTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const watchdog = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(new SinkAttemptTimeoutError(timeoutMs));
        // With a query active, end() destroys the socket, which fails whatever is still waiting on it.
        void client.end().catch(() => undefined);
      }, timeoutMs);
    });
    try {
      return await Promise.race([attemptOnce(client, attempt), watchdog]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async connect(): Promise<pg.Client> {
    if (this.client !== undefined) return this.client;
    const config: pg.ClientConfig = {
      connectionString: this.options.connectionString,
      keepAlive: true,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 10_000,
      statement_timeout: this.options.statementTimeoutMs ?? 30_000,
      application_name: `sentinel-sink:${this.options.consumer}`,
    };
    const client = this.options.clientFactory?.(config) ?? new pg.Client(config);
    // An idle connection that drops emits 'error'; without a listener that would crash the process.
    client.on('error', (error: Error) => {
      this.logger.debug({ err: error }, 'postgres sink connection lost');
      if (this.client === client) this.client = undefined;
    });
    try {
      await client.connect();
    } catch (error) {
      void client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    return client;
  }

  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private throwIfClosed(what: string): void {
    if (this.closed) throw new SinkClosedError(what);
  }

  private breakerChanged(state: BreakerState): void {
    const previous = this.lastBreakerState;
    this.lastBreakerState = state;
    if (state === 'open' && previous === 'closed') {
      // Once per outage: a failed trial that re-opens it is not news.
      this.logger.warn(
        { failures: this.breaker.failures, resetMs: this.options.breakerResetMs ?? 5_000 },
        'postgres sink circuit breaker open: pausing attempts',
      );
    } else if (state === 'closed') {
      this.logger.info('postgres sink circuit breaker closed: writes flowing again');
    }
    this.options.onBreakerChange?.(state);
  }
}
