/**
 * The window-level detection log (`fraud_alerts`): every emission of every (caller, window) episode from the
 * stream and every on-demand detection. Until v2 this was `GET /alerts`; analysts now work cases there, and
 * this list stays for auditors and for the ids `POST /detect/sdhf` returns. Read-only.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { ApiApp, ApiContext } from '../api-context.js';
import { NotFoundError } from '../api-errors.js';
import { AlertSchema, errorResponses, PhoneNumber, SeverityList } from '../schemas/common-schemas.js';
import { getAlert, listAlerts } from '../store/alerts-store.js';
import {
  CursorParam,
  IdParams,
  Limit,
  RuleName,
  severities,
  Since,
  timeRange,
  Until,
} from './alert-params.js';

const DetectionQuery = Type.Object({
  severity: Type.Optional(SeverityList),
  reviewed: Type.Optional(Type.Boolean()),
  rule: Type.Optional(RuleName),
  caller: Type.Optional(PhoneNumber),
  alert_key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  source: Type.Optional(Type.Union([Type.Literal('stream'), Type.Literal('detect')])),
  since: Type.Optional(Since),
  until: Type.Optional(Until),
  limit: Limit,
  cursor: Type.Optional(CursorParam),
});

export function registerDetectionRoutes(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/detections',
    {
      schema: {
        summary: 'The window-level detection log (fraud_alerts), newest first',
        description:
          'What `GET /alerts` listed before cases: one row per alert emission per window, and the rows of ' +
          '`POST /detect/sdhf`. Same filters and paging as before.',
        tags: ['detections'],
        querystring: DetectionQuery,
        response: {
          200: Type.Object({
            status: Type.Literal('success'),
            count: Type.Integer(),
            alerts: Type.Array(AlertSchema),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses(),
        },
      },
    },
    async (request) => {
      const query = request.query;
      const page = await listAlerts(
        ctx.pool,
        {
          severities: severities(query.severity),
          reviewed: query.reviewed,
          rule: query.rule,
          caller: query.caller?.replace(/^\+/, ''),
          alertKey: query.alert_key,
          source: query.source,
          ...timeRange(query.since, query.until),
        },
        query.limit,
        query.cursor,
      );
      return {
        status: 'success' as const,
        count: page.count,
        alerts: page.alerts,
        next_cursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/detections/:id',
    {
      schema: {
        summary: 'One row of the detection log',
        tags: ['detections'],
        params: IdParams,
        response: {
          200: Type.Object({ status: Type.Literal('success'), alert: AlertSchema }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const alert = await getAlert(ctx.pool, request.params.id);
      if (alert === undefined) throw new NotFoundError(`detection ${request.params.id} not found`);
      return { status: 'success' as const, alert };
    },
  );
}
