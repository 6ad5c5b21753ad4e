/**
 * `PATCH /alerts/{id}`: review a case. `reviewed` (required), `reviewer_notes`, `verdict` (fraud,
 * false_positive, inconclusive) and `add_to_allowlist`. A `false_positive` verdict suppresses new cases for the
 * suspect for FALSE_POSITIVE_SUPPRESSION; `add_to_allowlist: true` (with that verdict) also allowlists the
 * suspect's exact number. The review, the suppression and the allowlist entry commit in one transaction; then
 * the rule settings (allowlist and unexpired suppressions) are pushed to the engine like any rules change.
 */
import { Type } from '@fastify/type-provider-typebox';
import { actorName, type ApiApp, type ApiContext } from '../api-context.js';
import { NotFoundError, ValidationFailedError } from '../api-errors.js';
import { CaseSchema, VerdictName } from '../schemas/case-schemas.js';
import { errorResponses, Timestamp } from '../schemas/common-schemas.js';
import { reviewCase } from '../store/case-review-store.js';
import { IdParams } from './alert-params.js';
import { pushStoredRules } from './rules.js';

const ReviewBody = Type.Object({
  reviewed: Type.Boolean(),
  reviewer_notes: Type.Optional(Type.Union([Type.String({ maxLength: 2_000 }), Type.Null()])),
  verdict: Type.Optional(VerdictName),
  add_to_allowlist: Type.Boolean({
    default: false,
    description: 'With verdict false_positive: also allowlist the suspect’s exact number',
  }),
});

const ReviewResponse = Type.Object({
  status: Type.Literal('success'),
  alert: CaseSchema,
  suppression: Type.Union([Type.Object({ suspect_number: Type.String(), until: Timestamp }), Type.Null()]),
  allowlisted: Type.Union([Type.Object({ entry: Type.String(), created: Type.Boolean() }), Type.Null()]),
});

export function registerCaseReviewRoute(app: ApiApp, ctx: ApiContext): void {
  app.patch(
    '/alerts/:id',
    {
      schema: {
        summary: 'Review a case',
        description:
          'Records the decision, the verdict, the notes, who (the credential’s name) and when. `reviewed: ' +
          'false` reopens the review and clears the verdict. `verdict: false_positive` suppresses new cases ' +
          'for the suspect (FALSE_POSITIVE_SUPPRESSION, from the later of now and the case’s last event); ' +
          'any other verdict lifts the suppression this case set. `add_to_allowlist: true` (only with ' +
          'false_positive) allowlists the exact number in the same transaction. Needs role analyst.',
        tags: ['cases'],
        params: IdParams,
        body: ReviewBody,
        response: { 200: ReviewResponse, ...errorResponses(404, 503) },
      },
    },
    async (request) => {
      const body = request.body;
      if (body.verdict !== undefined && !body.reviewed) {
        throw new ValidationFailedError('body.verdict', 'body.verdict needs body.reviewed = true');
      }
      if (body.add_to_allowlist && body.verdict !== 'false_positive') {
        throw new ValidationFailedError(
          'body.add_to_allowlist',
          'body.add_to_allowlist needs body.verdict = false_positive',
        );
      }
      const by = actorName(request.principal);
      const outcome = await reviewCase(ctx.pool, request.params.id, {
        reviewed: body.reviewed,
        notes: body.reviewer_notes ?? undefined,
        verdict: body.verdict,
        addToAllowlist: body.add_to_allowlist,
        by,
        suppressionMs: ctx.config.falsePositiveSuppressionMs,
      });
      if (outcome === undefined) throw new NotFoundError(`case ${request.params.id} not found`);
      request.log.info(
        {
          caseId: outcome.record.id,
          reviewed: outcome.record.reviewed,
          verdict: outcome.record.verdict,
          suppressed: outcome.suppression !== null,
          allowlisted: outcome.allowlisted?.created ?? false,
          by,
        },
        'case reviewed',
      );
      if (outcome.rulesChanged) {
        await pushStoredRules(ctx);
      }
      return {
        status: 'success' as const,
        alert: outcome.record,
        suppression:
          outcome.suppression === null
            ? null
            : { suspect_number: outcome.suppression.number, until: outcome.suppression.until },
        allowlisted: outcome.allowlisted,
      };
    },
  );
}
