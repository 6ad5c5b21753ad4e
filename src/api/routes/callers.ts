/** A caller's live state, answered by the worker that owns its partition, plus its open alerts in Postgres. */
import { Type } from '@fastify/type-provider-typebox';
import type { ApiApp, ApiContext } from '../api-context.js';
import { NotFoundError, UnavailableError } from '../api-errors.js';
import { AlertSchema, errorResponses, PhoneNumber } from '../schemas/common-schemas.js';
import { openAlertsForCaller } from '../store/alerts-store.js';
import {
  OpenEpisodeSchema,
  riskOf,
  RiskLevelSchema,
  windowStats,
  WindowStatsSchema,
} from './caller-view-body.js';

const CallerResponse = Type.Object({
  status: Type.Literal('success'),
  caller: Type.Object({
    number: Type.String(),
    live: Type.Boolean({ description: 'False when no worker answered; only stored alerts are shown' }),
    partition: Type.Union([Type.Integer(), Type.Null()]),
    worker: Type.Union([Type.Integer(), Type.Null()]),
    allowlisted: Type.Union([Type.Boolean(), Type.Null()]),
    risk_score: Type.Union([Type.Number(), Type.Null()]),
    risk_level: Type.Union([RiskLevelSchema, Type.Null()]),
    windows: Type.Array(WindowStatsSchema),
    open_episodes: Type.Array(OpenEpisodeSchema),
    open_alerts: Type.Array(AlertSchema),
  }),
});

export function registerCallerRoutes(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/callers/:number',
    {
      schema: {
        summary: 'A caller’s live window statistics, open alerts and allowlist status',
        tags: ['callers'],
        params: Type.Object({ number: PhoneNumber }),
        response: { 200: CallerResponse, ...errorResponses(404, 503) },
      },
    },
    async (request) => {
      const digits = request.params.number.replace(/^\+/, '');
      const [viewResult, openAlerts] = await Promise.all([
        ctx.engine.callerView(digits).then(
          (view) => ({ ok: true as const, view }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
        openAlertsForCaller(ctx.pool, digits),
      ]);
      if (!viewResult.ok && openAlerts.length === 0) {
        throw new UnavailableError('the worker owning this caller did not answer', {
          cause: viewResult.error,
        });
      }
      const view = viewResult.ok ? viewResult.view : undefined;
      if (view === undefined && openAlerts.length === 0) {
        throw new NotFoundError('no live state and no open alert for this caller');
      }
      const risk = view === undefined ? undefined : riskOf(view);
      return {
        status: 'success' as const,
        caller: {
          number: digits,
          live: view !== undefined,
          partition: view?.partition ?? null,
          worker: view?.worker ?? null,
          allowlisted: view?.allowlisted ?? null,
          risk_score: risk?.score ?? null,
          risk_level: risk?.level ?? null,
          windows: view?.windows.map(windowStats) ?? [],
          open_episodes:
            view?.openEpisodes.map((episode) => ({
              rule: episode.rule,
              window_seconds: episode.windowSeconds,
              severity: episode.severity,
              episode_key: episode.episodeKey,
              opened_at: episode.openedAt,
            })) ?? [],
          open_alerts: openAlerts,
        },
      };
    },
  );
}
