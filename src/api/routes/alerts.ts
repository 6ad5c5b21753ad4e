/**
 * Alert triage: list with filters and cursor paging, review one, review many (the runbook's "age out LOW
 * alerts" case). Review columns record the principal and the time.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { Severity } from '../../windows/index.js';
import { actorName, type ApiApp, type ApiContext } from '../api-context.js';
import { NotFoundError, ValidationFailedError } from '../api-errors.js';
import {
  AlertSchema,
  errorResponses,
  NullableTimestamp,
  PhoneNumber,
  SeverityList,
  Timestamp,
} from '../schemas/common-schemas.js';
import { bulkReviewAlerts, getAlert, listAlerts, reviewAlert } from '../store/alerts-store.js';

const RuleName = Type.String({ pattern: '^[a-z0-9_]{1,32}$', description: 'Lower-case rule id, e.g. sdhf' });

const ListQuery = Type.Object({
  severity: Type.Optional(SeverityList),
  reviewed: Type.Optional(Type.Boolean()),
  rule: Type.Optional(RuleName),
  caller: Type.Optional(PhoneNumber),
  alert_key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  source: Type.Optional(Type.Union([Type.Literal('stream'), Type.Literal('detect')])),
  since: Type.Optional(
    Type.String({ format: 'date-time', description: 'created_at at or after (ISO-8601)' }),
  ),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'created_at before (ISO-8601)' })),
  limit: Type.Integer({ minimum: 1, maximum: 1_000, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: '`next_cursor` of the previous page' })),
});

const ListResponse = Type.Object({
  status: Type.Literal('success'),
  count: Type.Integer({ description: 'Alerts matching the filters, all pages together' }),
  alerts: Type.Array(AlertSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` for the next page',
  }),
});

const ReviewBody = Type.Object({
  reviewed: Type.Boolean(),
  reviewer_notes: Type.Optional(Type.Union([Type.String({ maxLength: 2_000 }), Type.Null()])),
});

const ReviewResponse = Type.Object({
  status: Type.Literal('success'),
  alert: Type.Object({
    id: Type.Integer(),
    reviewed: Type.Boolean(),
    reviewer_notes: Type.Union([Type.String(), Type.Null()]),
    reviewed_by: Type.Union([Type.String(), Type.Null()]),
    reviewed_at: NullableTimestamp,
  }),
});

const BulkReviewBody = Type.Object({
  ids: Type.Optional(
    Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 1_000, uniqueItems: true }),
  ),
  severity: Type.Optional(SeverityList),
  rule: Type.Optional(RuleName),
  older_than_hours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 87_600 })),
  created_before: Type.Optional(Timestamp),
  reviewer_notes: Type.String({ maxLength: 2_000, default: 'Auto-reviewed: aged out' }),
});

const BulkReviewResponse = Type.Object({
  status: Type.Literal('success'),
  updated: Type.Integer(),
  alert_ids: Type.Array(Type.Integer()),
});

function severities(list: string | undefined): Severity[] | undefined {
  return list === undefined ? undefined : (list.split(',') as Severity[]);
}

export function registerAlertRoutes(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/alerts',
    {
      schema: {
        summary: 'List alerts, newest first',
        tags: ['alerts'],
        querystring: ListQuery,
        response: { 200: ListResponse, ...errorResponses() },
      },
    },
    async (request) => {
      const query = request.query;
      const since = query.since === undefined ? undefined : new Date(query.since);
      const until = query.until === undefined ? undefined : new Date(query.until);
      if (since !== undefined && until !== undefined && until <= since) {
        throw new ValidationFailedError(
          'querystring.until',
          'querystring.until must be after querystring.since',
        );
      }
      const page = await listAlerts(
        ctx.pool,
        {
          severities: severities(query.severity),
          reviewed: query.reviewed,
          rule: query.rule,
          caller: query.caller?.replace(/^\+/, ''),
          alertKey: query.alert_key,
          source: query.source,
          since,
          until,
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
    '/alerts/:id',
    {
      schema: {
        summary: 'One alert',
        tags: ['alerts'],
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }),
        response: {
          200: Type.Object({ status: Type.Literal('success'), alert: AlertSchema }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const alert = await getAlert(ctx.pool, request.params.id);
      if (alert === undefined) throw new NotFoundError(`alert ${request.params.id} not found`);
      return { status: 'success' as const, alert };
    },
  );

  app.patch(
    '/alerts/:id',
    {
      schema: {
        summary: 'Review an alert',
        description: 'Records the decision, the notes, who (the credential’s name) and when.',
        tags: ['alerts'],
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }),
        body: ReviewBody,
        response: { 200: ReviewResponse, ...errorResponses(404) },
      },
    },
    async (request) => {
      const result = await reviewAlert(ctx.pool, request.params.id, {
        reviewed: request.body.reviewed,
        notes: request.body.reviewer_notes ?? undefined,
        by: actorName(request.principal),
      });
      if (result === undefined) throw new NotFoundError(`alert ${request.params.id} not found`);
      request.log.info({ alertId: result.id, reviewed: result.reviewed }, 'alert reviewed');
      return { status: 'success' as const, alert: result };
    },
  );

  app.post(
    '/alerts/review',
    {
      schema: {
        summary: 'Review many unreviewed alerts at once',
        description:
          'Marks every unreviewed alert matching all given criteria as reviewed. At least one of `ids`, ' +
          '`older_than_hours` or `created_before` is required, so a bare call cannot close the whole queue. ' +
          'Example (the runbook’s aged LOW alerts): `{"severity":"LOW","older_than_hours":168}`.',
        tags: ['alerts'],
        body: BulkReviewBody,
        response: { 200: BulkReviewResponse, ...errorResponses() },
      },
    },
    async (request) => {
      const body = request.body;
      if (
        body.ids === undefined &&
        body.older_than_hours === undefined &&
        body.created_before === undefined
      ) {
        throw new ValidationFailedError(
          'body',
          'body must contain ids, older_than_hours or created_before (refusing to review every alert)',
        );
      }
      let createdBefore = body.created_before === undefined ? undefined : new Date(body.created_before);
      if (body.older_than_hours !== undefined) {
        const cutoff = new Date(Date.now() - body.older_than_hours * 3_600_000);
        createdBefore = createdBefore === undefined || cutoff < createdBefore ? cutoff : createdBefore;
      }
      const ids = await bulkReviewAlerts(
        ctx.pool,
        { ids: body.ids, severities: severities(body.severity), rule: body.rule, createdBefore },
        { notes: body.reviewer_notes, by: actorName(request.principal) },
      );
      request.log.info({ updated: ids.length }, 'alerts reviewed in bulk');
      return { status: 'success' as const, updated: ids.length, alert_ids: ids };
    },
  );
}
