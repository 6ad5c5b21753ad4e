/**
 * Probes. `/health` is liveness (the process answers; no dependency checked, so a database outage does not
 * make Kubernetes restart healthy pods). `/health/ready` is readiness: 503 until every shard worker has
 * finished replaying. `/health/detailed` is for humans: every dependency, worker, lag and disk.
 */
import { statfs } from 'node:fs/promises';
import { Type } from '@fastify/type-provider-typebox';
import type { ApiApp, ApiContext } from '../api-context.js';
import type { SourceHealthSnapshot } from '../../metrics/index.js';
import type { EngineHealth } from '../engine-port.js';
import { errorResponses } from '../schemas/common-schemas.js';
import { pingDatabase, poolUsage } from '../store/database-health.js';

const SERVICE = 'sentinel';
const ENGINE_HEALTH_TIMEOUT_MS = 2_000;

const LivenessResponse = Type.Object({
  status: Type.Literal('healthy'),
  service: Type.String(),
  version: Type.String(),
});

const ReadinessResponse = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  reason: Type.Optional(Type.String()),
  workers: Type.Array(Type.Object({ id: Type.Integer(), state: Type.String() })),
});

const DetailedHealthResponse = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')]),
  service: Type.String(),
  version: Type.String(),
  uptime_seconds: Type.Integer(),
  checks: Type.Object(
    {},
    {
      additionalProperties: true,
      description:
        'nats, postgres, engine, workers[], consumer_lag{partition: pending}, sink_backlog_rows, disk[], ' +
        'sources{status, window_seconds, rejected_share_max, min_records, degraded[], by_source[]}',
    },
  ),
});

async function engineHealth(ctx: ApiContext): Promise<EngineHealth> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      ctx.engine.health(),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`engine did not report health within ${ENGINE_HEALTH_TIMEOUT_MS} ms`)),
          ENGINE_HEALTH_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Credentials in a NATS URL never leave the process. */
function redactUrl(url: string): string {
  try {
    // nats.js reports the server as host:port; give it a scheme so it parses.
    const parsed = new URL(url.includes('://') ? url : `nats://${url}`);
    if (parsed.username !== '' || parsed.password !== '') {
      parsed.username = '***';
      parsed.password = '';
    }
    return parsed.toString();
  } catch {
    return '<unparseable>';
  }
}

async function diskUsage(paths: readonly string[]): Promise<Record<string, unknown>[]> {
  const results: Record<string, unknown>[] = [];
  for (const path of paths) {
    try {
      const stats = await statfs(path);
      const total = stats.blocks * stats.bsize;
      const free = stats.bavail * stats.bsize;
      results.push({
        path,
        total_bytes: total,
        free_bytes: free,
        used_ratio: total > 0 ? 1 - free / total : 0,
      });
    } catch {
      // A data folder that does not exist (external NATS or Postgres) has nothing to report.
    }
  }
  return results;
}

/** `0.0523` → `5.2%`. */
function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/**
 * The per-source section: every switch with records in the recent window, and the ones whose rejected share
 * is over SOURCE_REJECTED_SHARE_MAX (with at least SOURCE_REJECTED_MIN_RECORDS records), named with their
 * most frequent reason.
 */
function sourcesCheck(snapshot: SourceHealthSnapshot): { degraded: boolean; check: Record<string, unknown> } {
  const bad = snapshot.sources.filter((figures) => figures.degraded);
  const window = `${snapshot.windowSeconds} s`;
  return {
    degraded: bad.length > 0,
    check: {
      status: bad.length > 0 ? 'degraded' : 'ok',
      window_seconds: snapshot.windowSeconds,
      rejected_share_max: snapshot.rejectedShareMax,
      min_records: snapshot.minRecords,
      degraded: bad.map((figures) => ({
        source: figures.source,
        rejected_share: figures.rejectedShare,
        top_reason: figures.topReason,
        message:
          `source ${figures.source}: ${percent(figures.rejectedShare)} of ${figures.records} records ` +
          `rejected in the last ${window} (over ${percent(snapshot.rejectedShareMax)}), ` +
          `mostly ${figures.topReason ?? 'unknown'}`,
      })),
      by_source: snapshot.sources.map((figures) => ({
        source: figures.source,
        records: figures.records,
        accepted: figures.accepted,
        rejected: figures.rejected,
        rejected_share: figures.rejectedShare,
        top_reason: figures.topReason,
        late: figures.late,
        skew_p50_seconds: figures.skewP50Seconds,
        skew_p99_seconds: figures.skewP99Seconds,
        status: figures.degraded ? 'degraded' : 'ok',
      })),
    },
  };
}

export function registerLivenessRoutes(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: { summary: 'Liveness', tags: ['health'], response: { 200: LivenessResponse } },
    },
    async () => ({ status: 'healthy' as const, service: SERVICE, version: ctx.version }),
  );

  app.get(
    '/health/ready',
    {
      config: { public: true },
      schema: {
        summary: 'Readiness: 200 when every shard worker is ready, 503 while starting or replaying',
        tags: ['health'],
        response: { 200: ReadinessResponse, 503: ReadinessResponse },
      },
    },
    async (_request, reply) => {
      let health: EngineHealth;
      try {
        health = await engineHealth(ctx);
      } catch (error) {
        void reply.code(503);
        return {
          status: 'not_ready' as const,
          reason: error instanceof Error ? error.message : String(error),
          workers: [],
        };
      }
      const workers = health.workers.map((worker) => ({ id: worker.id, state: worker.state }));
      if (health.ready) return { status: 'ready' as const, workers };
      void reply.code(503);
      const waiting = workers
        .filter((worker) => worker.state !== 'ready')
        .map((worker) => `${worker.id}:${worker.state}`);
      const reason =
        waiting.length > 0
          ? `workers not ready: ${waiting.join(', ')}`
          : 'partitions still opening or replaying (see /health/detailed)';
      return { status: 'not_ready' as const, reason, workers };
    },
  );
}

export function registerDetailedHealthRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/health/detailed',
    {
      schema: {
        summary: 'Every dependency: NATS, Postgres, shard workers, consumer lag, sink backlog, disk',
        description:
          '`status` is `healthy` when everything is, `degraded` when the engine is replaying, a sink circuit ' +
          'is open or a source (switch) has more than SOURCE_REJECTED_SHARE_MAX of its recent records rejected, ' +
          '`unhealthy` when NATS or Postgres is unreachable or a worker failed. Always HTTP 200 ' +
          'unless unhealthy (503).',
        tags: ['health'],
        response: { 200: DetailedHealthResponse, 503: DetailedHealthResponse, ...errorResponses() },
      },
    },
    async (_request, reply) => {
      const [engine, database, disk] = await Promise.all([
        engineHealth(ctx).then(
          (health) => ({ ok: true as const, health }),
          (error: unknown) => ({
            ok: false as const,
            error: error instanceof Error ? error.message : String(error),
          }),
        ),
        pingDatabase(ctx.pool),
        diskUsage([ctx.config.natsDataDir, ctx.config.postgresDataDir]),
      ]);
      const workers = engine.ok ? engine.health.workers : [];
      const consumerLag: Record<string, number> = {};
      for (const worker of workers) Object.assign(consumerLag, worker.consumerPending);
      const natsUp = engine.ok && engine.health.nats.connected;
      const failed = workers.some((worker) => worker.state === 'failed');
      const unhealthy = !engine.ok || !natsUp || !database.ok || failed;
      const sources = engine.ok ? sourcesCheck(engine.health.sources) : undefined;
      const degraded =
        !unhealthy &&
        (!engine.health.ready ||
          workers.some((worker) => worker.sinkCircuit !== 'closed') ||
          sources?.degraded === true);
      if (unhealthy) void reply.code(503);
      return {
        status: unhealthy ? ('unhealthy' as const) : degraded ? ('degraded' as const) : ('healthy' as const),
        service: SERVICE,
        version: ctx.version,
        uptime_seconds: Math.round((Date.now() - ctx.startedAtMs) / 1_000),
        checks: {
          nats: engine.ok
            ? { status: natsUp ? 'up' : 'down', connected: natsUp, url: redactUrl(engine.health.nats.url) }
            : { status: 'unknown', error: engine.error },
          postgres: database.ok
            ? { status: 'up', latency_ms: database.latencyMs, pool: poolUsage(ctx.pool) }
            : { status: 'down', error: database.error, pool: poolUsage(ctx.pool) },
          engine: { ready: engine.ok && engine.health.ready },
          workers: workers.map((worker) => ({
            id: worker.id,
            state: worker.state,
            partitions: worker.partitions,
            restarts: worker.restarts,
            buffered_rows: worker.bufferedRows,
            sink_circuit: worker.sinkCircuit,
            window: {
              callers: worker.window.callers,
              events_held: worker.window.eventsHeld,
              bytes: worker.window.bytes,
            },
          })),
          consumer_lag: consumerLag,
          sink_backlog_rows: workers.reduce((sum, worker) => sum + worker.bufferedRows, 0),
          disk,
          sources: sources?.check ?? { status: 'unknown' },
        },
      };
    },
  );
}
