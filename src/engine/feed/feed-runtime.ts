/**
 * The feed normaliser thread: one FeedRun per profile in FEED_PROFILES, each on the profile's shared durable
 * consumer, with this thread's own NATS connection and a small Postgres pool for dead letters.
 *
 * Why a thread of its own: converting a switch record is CPU work (parsing a 5–20 KB FreeSWITCH document costs
 * tens of microseconds), and at feed rates that would take the main thread — which answers the API, health
 * probes and supervises the shard workers — for whole cores. Why not inside the shard workers: a feed record's
 * partition is only known after conversion, and the workers own partitions, not feeds. Work is shared between
 * engine instances by the consumers themselves: every instance pulls from the same durable, and JetStream
 * gives each record to one of them.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import type { Logger } from 'pino';
import { profileByName } from '../../codec/index.js';
import { WorkerMetricsRecorder } from '../../metrics/index.js';
import {
  CdrPublisher,
  DeadLetterPublisher,
  ensureFeedConsumer,
  feedConsumerName,
  feedSubject,
} from '../../stream/index.js';
import type { FeedStartup, FeedToMain, MainToFeed, WorkerState } from '../protocol.js';
import { FeedRun } from './feed-run.js';

const METRICS_INTERVAL_MS = 1_000;
/** Records delivered to all instances together but not yet acked, per profile. */
const FEED_MAX_ACK_PENDING = 2_000;
/** A record not acked in this long goes to another puller: well above a batch's republish round trip. */
const FEED_ACK_WAIT_MS = 60_000;
/** Republishes in flight per profile before conversion waits. */
const PUBLISH_MAX_IN_FLIGHT = 512;

export class FeedRuntime {
  private readonly metrics = new WorkerMetricsRecorder();
  private readonly runs: FeedRun[] = [];
  private readonly publishers: (CdrPublisher | DeadLetterPublisher)[] = [];
  private nc: NatsConnection | undefined;
  private pool: pg.Pool | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly startup: FeedStartup,
    private readonly post: (message: FeedToMain) => void,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const { config } = this.startup;
    this.setState('starting');
    const nc = await connect({
      servers: this.startup.natsUrl,
      name: 'sentinel-feed',
      maxReconnectAttempts: -1,
    });
    this.nc = nc;
    const pool = new pg.Pool({ connectionString: this.startup.databaseUrl, max: 2 });
    pool.on('error', (error) => this.logger.warn({ err: error }, 'idle Postgres client error (feed)'));
    this.pool = pool;
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const deadLetters = new DeadLetterPublisher(nc, {
      logger: this.logger,
      maxInFlight: PUBLISH_MAX_IN_FLIGHT,
    });
    this.publishers.push(deadLetters);
    for (const feed of config.feed.profiles) {
      const profile = profileByName(feed.name, {
        timeZone: config.feed.timeZone,
        numberPlan: config.feed.numberPlan,
        mapping: feed.mapping,
      });
      const consumer = await ensureFeedConsumer(js, jsm, {
        stream: this.startup.streams.feed,
        subject: feedSubject(feed.name),
        durableName: feedConsumerName(this.startup.consumerGroup, feed.name),
        maxAckPending: FEED_MAX_ACK_PENDING,
        ackWaitMs: FEED_ACK_WAIT_MS,
      });
      const failedIds = new Set<string>();
      const publisher = new CdrPublisher(nc, {
        partitions: config.partitions,
        logger: this.logger,
        maxInFlight: PUBLISH_MAX_IN_FLIGHT,
        onFailure: (failure) => {
          if (failure.msgId !== undefined) failedIds.add(failure.msgId);
        },
      });
      this.publishers.push(publisher);
      const logger = this.logger.child({ profile: feed.name });
      this.runs.push(
        new FeedRun(
          {
            profile,
            consumer,
            stream: this.startup.streams.feed,
            publisher,
            deadLetters,
            pool,
            metrics: this.metrics,
            logger,
          },
          failedIds,
        ),
      );
    }
    for (const run of this.runs) run.start();
    this.timer = setInterval(
      () => this.post({ type: 'metrics', report: this.metrics.drain() }),
      METRICS_INTERVAL_MS,
    );
    this.setState('ready');
    this.logger.info({ profiles: config.feed.profiles.map((feed) => feed.name) }, 'feed normaliser running');
  }

  handle(message: MainToFeed): void {
    if (message.type === 'shutdown') void this.stop();
  }

  /** Finishes the batches in hand (republished and acked), then closes the publishers, NATS and Postgres. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.setState('stopping');
    clearInterval(this.timer);
    await Promise.allSettled(this.runs.map((run) => run.stop()));
    await Promise.allSettled(this.publishers.map((publisher) => publisher.close()));
    await this.nc?.drain().catch(() => undefined);
    await this.pool?.end().catch(() => undefined);
    this.post({ type: 'metrics', report: this.metrics.drain() });
    this.post({ type: 'stopped' });
  }

  private setState(state: WorkerState): void {
    this.post({ type: 'state', state });
  }
}
