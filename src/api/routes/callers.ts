/**
 * A caller's live state, answered by the worker that owns its partition, plus what Postgres holds about it: its
 * cases (newest first), a false-positive suppression in force, and its unreviewed detection-log rows.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { ApiApp, ApiContext } from '../api-context.js';
import { NotFoundError, UnavailableError } from '../api-errors.js';
import { AlertSchema, errorResponses, PhoneNumber } from '../schemas/common-schemas.js';
import { CaseSchema } from '../schemas/case-schemas.js';
import { openAlertsForCaller } from '../store/alerts-store.js';
import { listCases, suppressionFor } from '../store/cases-store.js';
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
    open_alerts: Type.Array(AlertSchema, { description: 'Unreviewed detection-log rows (GET /detections)' }),
    cases: Type.Array(CaseSchema, { description: 'The caller’s cases, newest first (at most 20)' }),
    suppressed_until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'End of a false-positive suppression in force, if any',
    }),
  }),
});

export function registerCallerRoutes(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/callers/:number',
    {
      schema: {
        summary: 'A caller’s live window statistics, cases, suppression, open alerts and allowlist status',
        tags: ['callers'],
        params: Type.Object({ number: PhoneNumber }),
        response: { 200: CallerResponse, ...errorResponses(404, 503) },
      },
    },
    async (request) => {
      const digits = request.params.number.replace(/^\+/, '');
      const [viewResult, openAlerts, cases, suppressedUntil] = await Promise.all([
        ctx.engine.callerView(digits).then(
          (view) => ({ ok: true as const, view }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
        openAlertsForCaller(ctx.pool, digits),
        listCases(ctx.pool, { suspect: digits }, 20).then((page) => page.cases),
        suppressionFor(ctx.pool, digits),
      ]);
      const stored = openAlerts.length + cases.length;
      if (!viewResult.ok && stored === 0) {
        throw new UnavailableError('the worker owning this caller did not answer', {
          cause: viewResult.error,
        });
      }
      const view = viewResult.ok ? viewResult.view : undefined;
      if (view === undefined && stored === 0) {
        throw new NotFoundError('no live state, no case and no open alert for this caller');
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
          cases,
          suppressed_until: suppressedUntil,
        },
      };
    },
  );
}
