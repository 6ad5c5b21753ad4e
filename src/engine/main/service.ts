/**
 * The composition root: config in, running engine out. Wires NATS, Postgres, the shard workers, the HTTP
 * API and the maintenance timers; owns the order of start-up and shutdown.
 */
import { availableParallelism } from 'node:os';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import type { Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApiServer, loadRuleSettings, startLowAlertAging } from '../../api/index.js';
import type { Config } from '../../config/index.js';
import { Metrics } from '../../metrics/index.js';
import { compiledSibling } from '../../shared/index.js';
import { applyCaseRetention, maintainPartitions, migrate } from '../../sinks/index.js';
import { CdrPublisher, ensureStreams, natsServers, resolveCdrLayoutKind } from '../../stream/index.js';
import { EngineRuntimePort } from './engine-port-impl.js';
import { FeedSupervisor } from './feed-supervisor.js';
import { resolveInfrastructure, type Infrastructure } from './infrastructure.js';
import { InstanceOwnership, instanceToken } from './instance-ownership.js';
import { caseSettingsDoc, defaultRuleSettingsDoc, toRuleSettings } from './rules-mapping.js';
import { WorkerSupervisor } from './worker-supervisor.js';
import { randomBytes } from 'node:crypto';

const MAINTENANCE_INTERVAL_MS = 3_600_000;
export const STREAM_NAMES = {
  cdr: 'CDR',
  dlq: 'CDR_DLQ',
  alerts: 'ALERTS',
  cases: 'CASES',
  feed: 'CDR_FEED',
} as const;
export const ALERTS_SUBJECT_PREFIX = 'sentinel.alerts';

export interface ServiceOptions {
  logger: Logger;
  version: string;
  /** Listen for HTTP (off in some tests that only need the pipeline). @default true */
  http?: boolean;
  /** `sink_offsets.consumer` and durable-name prefix. @default 'sentinel' */
  consumerGroup?: string;
}

export interface Service {
  config: Config;
  metrics: Metrics;
  engine: EngineRuntimePort;
  supervisor: WorkerSupervisor;
  /** The feed normaliser thread; undefined when FEED_PROFILES is empty. */
  feed: FeedSupervisor | undefined;
  pool: pg.Pool;
  nc: NatsConnection;
  infrastructure: Infrastructure;
  api: FastifyInstance | undefined;
  /** http://host:port when listening. */
  httpUrl: string | undefined;
  /** Generated when no credential is configured outside production (logged once for the demo). */
  devApiKey: string | undefined;
  whenReady(timeoutMs?: number): Promise<boolean>;
  stop(): Promise<boolean>;
}

export async function startService(config: Config, options: ServiceOptions): Promise<Service> {
  const logger = options.logger;
  const consumerGroup = options.consumerGroup ?? 'sentinel';
  const infrastructure = await resolveInfrastructure(config, logger);
  const nc = await connect({
    servers: natsServers(infrastructure.natsUrl),
    name: 'sentinel-main',
    maxReconnectAttempts: -1,
  });
  const metrics = new Metrics(options.version, config.sources);
  // `isClosed()` stays false while the client reconnects: the status events are the truth.
  let natsConnected = true;
  metrics.gauge('sentinel_nats_connected').set(1);
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnecting') natsConnected = false;
      if (status.type === 'reconnect') natsConnected = true;
      metrics.gauge('sentinel_nats_connected').set(natsConnected ? 1 : 0);
      if (status.type !== 'reconnecting') logger.info({ status: status.type }, 'nats connection status');
    }
  })();
  const jsm = await jetstreamManager(nc);
  const cdrLayout = await resolveCdrLayoutKind(jsm, config.cdrStreamLayout, STREAM_NAMES.cdr);
  if (cdrLayout === 'single' && config.cdrStreamLayout === 'auto')
    logger.warn(
      { stream: STREAM_NAMES.cdr },
      'the v1 single CDR stream exists: staying on it (docs/runbook.md, "Moving to one stream per partition")',
    );
  const changes = await ensureStreams(
    jsm,
    {
      partitions: config.partitions,
      cdrMaxAgeMs: config.cdrMaxAgeMs,
      duplicateWindowMs: config.duplicateWindowMs,
      cdrLayout,
      replicas: config.streamReplicas,
    },
    logger,
  );
  logger.info({ streams: changes, cdrLayout }, 'streams ready');

  const pool = new pg.Pool({
    connectionString: infrastructure.databaseUrl,
    max: config.databasePoolMaxSize,
    min: config.databasePoolMinSize,
  });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle Postgres client error'));
  await migrate(pool, logger);
  // Day partitions ahead and behind (call_records), then closed cases and dead letters that aged out.
  const maintain = async (): Promise<void> => {
    await maintainPartitions(pool, {
      nowMs: Date.now(),
      partitionsAheadDays: config.partitionsAheadDays,
      retentionDays: config.retentionDays,
      logger,
    });
    await applyCaseRetention(pool, {
      nowMs: Date.now(),
      caseRetentionDays: config.caseRetentionDays,
      deadLetterRetentionDays: config.deadLetterRetentionDays,
      logger,
    });
  };
  await maintain();

  const ruleDoc = await loadRuleSettings(pool, defaultRuleSettingsDoc(config));
  const token = instanceToken(config.instanceName);
  // The supervisor reports partition states to the ownership, which needs the supervisor: built right after.
  const late: { ownership?: InstanceOwnership } = {};
  const supervisor = new WorkerSupervisor({
    workers: Math.min(config.workers, config.partitions),
    rules: toRuleSettings(ruleDoc, caseSettingsDoc(config)),
    metrics,
    logger,
    workerFile: compiledSibling(import.meta.url, '../worker/shard-worker.js'),
    startupFor: (workerId, rules) => ({
      workerId,
      config,
      natsUrl: infrastructure.natsUrl,
      databaseUrl: infrastructure.databaseUrl,
      rules,
      streams: { cdr: STREAM_NAMES.cdr, dlq: STREAM_NAMES.dlq, alerts: STREAM_NAMES.alerts, cdrLayout },
      consumerGroup,
      owner: token,
    }),
    onPartitionState: (partition, state) =>
      late.ownership?.partitionState(partition, state, supervisor.placedAtMs(partition)),
  });
  supervisor.start();
  const feed =
    config.feed.profiles.length === 0
      ? undefined
      : new FeedSupervisor({
          startup: {
            config,
            natsUrl: infrastructure.natsUrl,
            databaseUrl: infrastructure.databaseUrl,
            streams: { feed: STREAM_NAMES.feed },
            consumerGroup,
          },
          workerFile: compiledSibling(import.meta.url, '../feed/feed-thread.js'),
          metrics,
          logger,
        });
  feed?.start();
  logger.info(
    { instance: config.instanceName, token, workers: config.workers, cores: availableParallelism() },
    'shard workers starting; partitions are claimed through leases',
  );

  const publisher = new CdrPublisher(nc, { partitions: config.partitions, logger });
  const engine = new EngineRuntimePort({
    nc,
    js: jetstream(nc),
    publisher,
    supervisor,
    partitions: config.partitions,
    consumerGroup,
    natsUrl: infrastructure.natsUrl,
    natsConnected: () => natsConnected,
    streams: { alerts: STREAM_NAMES.alerts, cases: STREAM_NAMES.cases },
    logger,
    rules: ruleDoc,
    caseDefaults: caseSettingsDoc(config),
    sourceHealth: () => metrics.sources.snapshot(),
  });
  await engine.start();
  const ownership = new InstanceOwnership({
    config,
    token,
    consumerGroup,
    supervisor,
    queries: engine.queries,
    metrics,
    logger,
  });
  late.ownership = ownership;
  await ownership.start(nc, jsm);

  const timers: NodeJS.Timeout[] = [];
  timers.push(
    setInterval(() => {
      maintain().catch((error: unknown) => logger.warn({ err: error }, 'partition maintenance failed'));
    }, MAINTENANCE_INTERVAL_MS),
  );
  const stopAging =
    config.lowAlertAutoReviewAfterMs === undefined
      ? undefined
      : startLowAlertAging(pool, config.lowAlertAutoReviewAfterMs, logger);

  const noCredentials =
    config.auth.apiKeyHashes.length === 0 &&
    config.auth.jwtSecret === undefined &&
    config.auth.jwtPublicKey === undefined;
  const devApiKey =
    noCredentials && config.environment !== 'production'
      ? `dev-${randomBytes(16).toString('hex')}`
      : undefined;
  let api: FastifyInstance | undefined;
  let httpUrl: string | undefined;
  if (options.http !== false) {
    const server = await buildApiServer({
      config,
      pool,
      engine,
      metrics,
      logger,
      version: options.version,
      ...(devApiKey === undefined ? {} : { devApiKey }),
    });
    api = server;
    const address = await server.listen({ host: config.httpHost, port: config.httpPort });
    httpUrl = address.replace('0.0.0.0', '127.0.0.1');
    logger.info({ url: httpUrl }, 'HTTP API listening');
    if (devApiKey !== undefined)
      logger.warn({ apiKey: devApiKey }, 'no API credential configured: generated a development API key');
  }

  let stopped: Promise<boolean> | undefined;
  const stop = async (): Promise<boolean> => {
    logger.info({ deadlineMs: config.shutdownTimeoutMs }, 'shutting down');
    for (const timer of timers) clearInterval(timer);
    stopAging?.();
    await api?.close();
    // Hand every partition off first (commit, final checkpoint, release the lease): the instances that take
    // them over start at once from the checkpoint, instead of waiting for the leases to lapse.
    const handOff = ownership.stop();
    const handedOff = await Promise.race([
      handOff.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), config.shutdownTimeoutMs).unref()),
    ]);
    if (handedOff === false) logger.warn('partition hand-offs did not finish before the deadline');
    engine.stop();
    const [clean, feedClean] = await Promise.all([
      supervisor.shutdown(config.shutdownTimeoutMs),
      feed?.shutdown(config.shutdownTimeoutMs) ?? true,
    ]);
    await publisher.close().catch(() => undefined);
    await nc.drain().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await infrastructure.stop();
    logger.info({ clean: clean && feedClean }, 'shutdown complete');
    return clean && feedClean;
  };

  return {
    config,
    metrics,
    engine,
    supervisor,
    feed,
    pool,
    nc,
    infrastructure,
    api,
    httpUrl,
    devApiKey,
    async whenReady(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(ownership.settled() && supervisor.allReady())) {
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return true;
    },
    stop: () => (stopped ??= stop()),
  };
}
