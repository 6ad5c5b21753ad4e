/** Prometheus text. The pool gauge is sampled at scrape time so it is never older than the scrape. */
import type { ApiApp, ApiContext } from '../api-context.js';
import { poolUsage } from '../store/database-health.js';

export function registerMetricsRoute(app: ApiApp, ctx: ApiContext, options: { public: boolean }): void {
  const poolGauge = ctx.metrics.gauge('sentinel_database_pool_utilization');
  app.get(
    '/metrics',
    {
      config: { public: options.public },
      schema: {
        summary: 'Prometheus metrics (text exposition format)',
        description: options.public
          ? 'Public (METRICS_PUBLIC): Prometheus scrapes it without a credential.'
          : '',
        tags: ['metrics'],
        produces: ['text/plain'],
      },
    },
    async (_request, reply) => {
      poolGauge.set(poolUsage(ctx.pool).utilization);
      const text = await ctx.metrics.text();
      return reply.type(ctx.metrics.contentType).send(text);
    },
  );
}
