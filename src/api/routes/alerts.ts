/**
 * Case triage at the seed's paths: `GET /alerts` lists cases (one row per suspect and rule family) with the
 * seed's alert fields plus the case's own, `GET /alerts/{id}` one case, `GET /alerts/{id}/events` its history
 * in event-time order, `POST /alerts/review` bulk review. The single review (`PATCH /alerts/{id}`) is in
 * case-review.ts. The window-level rows that `/alerts` listed before v2 are at `/detections`.
 */
import { Type } from '@fastify/type-provider-typebox';
import { actorName, type ApiApp, type ApiContext } from '../api-context.js';
import { NotFoundError, ValidationFailedError } from '../api-errors.js';
import { CaseEventSchema, CaseSchema, CaseStatusList, VerdictList } from '../schemas/case-schemas.js';
import { errorResponses, PhoneNumber, SeverityList, Timestamp } from '../schemas/common-schemas.js';
import { bulkReviewCases } from '../store/case-review-store.js';
import { getCase, listCaseEvents, listCases, type CaseStatus, type Verdict } from '../store/cases-store.js';
import {
  CursorParam,
  IdParams,
  Limit,
  listOf,
  RuleName,
  severities,
  Since,
  timeRange,
  Until,
} from './alert-params.js';
import { registerCaseReviewRoute } from './case-review.js';

const ListQuery = Type.Object({
  status: Type.Optional(CaseStatusList),
  severity: Type.Optional(SeverityList),
  reviewed: Type.Optional(Type.Boolean()),
  verdict: Type.Optional(VerdictList),
  suspect: Type.Optional(PhoneNumber),
  caller: Type.Optional(PhoneNumber),
  rule: Type.Optional(RuleName),
  case_key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  alert_key: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'Detection-log key: use GET /detections' }),
  ),
  source: Type.Optional(
    Type.Union([Type.Literal('stream'), Type.Literal('detect')], {
      description: 'Cases come from the stream; `detect` rows are in GET /detections',
    }),
  ),
  since: Type.Optional(Since),
  until: Type.Optional(Until),
  limit: Limit,
  cursor: Type.Optional(CursorParam),
});

const ListResponse = Type.Object({
  status: Type.Literal('success'),
  count: Type.Integer({ description: 'Cases matching the filters, all pages together' }),
  alerts: Type.Array(CaseSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` for the next page',
  }),
});

const EventsQuery = Type.Object({
  after_sequence: Type.Integer({
    minimum: -1,
    default: -1,
    description: 'Only events after this sequence (the last one of the previous page)',
  }),
  limit: Type.Integer({ minimum: 1, maximum: 5_000, default: 500 }),
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

/** The detection log's parameters name rows cases do not have: say where they went. */
function refuseDetectionParameters(query: { alert_key?: string; source?: string }): void {
  if (query.alert_key !== undefined) {
    throw new ValidationFailedError(
      'querystring.alert_key',
      'querystring.alert_key names a detection-log row: GET /detections?alert_key=… lists it (cases have case_key)',
    );
  }
  if (query.source === 'detect') {
    throw new ValidationFailedError(
      'querystring.source',
      'querystring.source=detect: on-demand detections are not cases; GET /detections?source=detect lists them',
    );
  }
}

export function registerAlertRoutes(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/alerts',
    {
      schema: {
        summary: 'List cases, newest first',
        description:
          'One row per suspect and rule family. Filters combine with AND: `status` (open, closed), `severity` ' +
          '(current), `reviewed`, `verdict`, `suspect` (or the seed’s `caller`), `rule`, `since`/`until` on ' +
          'created_at. Example (the backlog): `?status=open&reviewed=false&severity=HIGH,CRITICAL`.',
        tags: ['cases'],
        querystring: ListQuery,
        response: { 200: ListResponse, ...errorResponses() },
      },
    },
    async (request) => {
      const query = request.query;
      refuseDetectionParameters(query);
      if (query.suspect !== undefined && query.caller !== undefined && query.suspect !== query.caller) {
        throw new ValidationFailedError(
          'querystring.caller',
          'querystring.caller and querystring.suspect name different numbers; send one',
        );
      }
      const page = await listCases(
        ctx.pool,
        {
          statuses: listOf<CaseStatus>(query.status),
          severities: severities(query.severity),
          reviewed: query.reviewed,
          verdicts: listOf<Verdict>(query.verdict),
          rule: query.rule,
          suspect: (query.suspect ?? query.caller)?.replace(/^\+/, ''),
          caseKey: query.case_key,
          ...timeRange(query.since, query.until),
        },
        query.limit,
        query.cursor,
      );
      return {
        status: 'success' as const,
        count: page.count,
        alerts: page.cases,
        next_cursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/alerts/:id',
    {
      schema: {
        summary: 'One case, with its current and peak evidence',
        tags: ['cases'],
        params: IdParams,
        response: {
          200: Type.Object({ status: Type.Literal('success'), alert: CaseSchema }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const found = await getCase(ctx.pool, request.params.id);
      if (found === undefined) throw new NotFoundError(`case ${request.params.id} not found`);
      return { status: 'success' as const, alert: found };
    },
  );

  app.get(
    '/alerts/:id/events',
    {
      schema: {
        summary: 'A case’s history in event-time order',
        description:
          'Every opened / escalated / updated / closed / reopened event with the per-window figures, callee ' +
          'sample and thresholds frozen at that moment, by `sequence`. Page with `after_sequence` = the last ' +
          'sequence received; `next_after_sequence` is null on the last page.',
        tags: ['cases'],
        params: IdParams,
        querystring: EventsQuery,
        response: {
          200: Type.Object({
            status: Type.Literal('success'),
            case_id: Type.Integer(),
            case_key: Type.String(),
            events: Type.Array(CaseEventSchema),
            next_after_sequence: Type.Union([Type.Integer(), Type.Null()]),
          }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const found = await getCase(ctx.pool, request.params.id);
      if (found === undefined) throw new NotFoundError(`case ${request.params.id} not found`);
      const { after_sequence: after, limit } = request.query;
      const events = await listCaseEvents(ctx.pool, found.case_key, after, limit + 1);
      const more = events.length > limit;
      const page = more ? events.slice(0, limit) : events;
      return {
        status: 'success' as const,
        case_id: found.id,
        case_key: found.case_key,
        events: page,
        next_after_sequence: more ? (page[page.length - 1]?.sequence ?? null) : null,
      };
    },
  );

  registerCaseReviewRoute(app, ctx);

  app.post(
    '/alerts/review',
    {
      schema: {
        summary: 'Review many unreviewed cases at once',
        description:
          'Marks every unreviewed case matching all given criteria as reviewed (no verdict). At least one of ' +
          '`ids`, `older_than_hours` or `created_before` is required, so a bare call cannot close the whole ' +
          'queue. Example (the runbook’s aged LOW cases): `{"severity":"LOW","older_than_hours":168}`.',
        tags: ['cases'],
        body: BulkReviewBody,
        response: {
          200: Type.Object({
            status: Type.Literal('success'),
            updated: Type.Integer(),
            alert_ids: Type.Array(Type.Integer(), { description: 'Ids of the cases reviewed' }),
          }),
          ...errorResponses(),
        },
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
          'body must contain ids, older_than_hours or created_before (refusing to review every case)',
        );
      }
      let createdBefore = body.created_before === undefined ? undefined : new Date(body.created_before);
      if (body.older_than_hours !== undefined) {
        const cutoff = new Date(Date.now() - body.older_than_hours * 3_600_000);
        createdBefore = createdBefore === undefined || cutoff < createdBefore ? cutoff : createdBefore;
      }
      const ids = await bulkReviewCases(
        ctx.pool,
        { ids: body.ids, severities: severities(body.severity), rule: body.rule, createdBefore },
        { notes: body.reviewer_notes, by: actorName(request.principal) },
      );
      request.log.info({ updated: ids.length }, 'cases reviewed in bulk');
      return { status: 'success' as const, updated: ids.length, alert_ids: ids };
    },
  );
}
