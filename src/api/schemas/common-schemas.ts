/**
 * TypeBox schemas shared by several routes. They validate requests (Fastify's Ajv), shape responses
 * (fast-json-stringify) and become the OpenAPI document at /docs, so one definition serves all three.
 */
import { Type, type Static } from '@fastify/type-provider-typebox';

export const PHONE_NUMBER_PATTERN = '^\\+?[1-9]\\d{1,14}$';
const SEVERITY = '(LOW|MEDIUM|HIGH|CRITICAL)';

export const PhoneNumber = Type.String({
  pattern: PHONE_NUMBER_PATTERN,
  maxLength: 20,
  description: 'E.164 digits with an optional leading +',
  examples: ['2348012345678'],
});

export const SeverityName = Type.Union(
  [Type.Literal('LOW'), Type.Literal('MEDIUM'), Type.Literal('HIGH'), Type.Literal('CRITICAL')],
  { description: 'Alert severity' },
);

/** `HIGH` or `HIGH,CRITICAL`. */
export const SeverityList = Type.String({
  pattern: `^${SEVERITY}(,${SEVERITY})*$`,
  description: 'One severity or a comma-separated list: LOW, MEDIUM, HIGH, CRITICAL',
  examples: ['CRITICAL', 'HIGH,CRITICAL'],
});

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO-8601 with a zone' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const ErrorBody = Type.Object(
  {
    status: Type.Literal('error'),
    error: Type.String({
      description: 'Machine-readable code, e.g. validation_failed, unauthorized, not_found',
    }),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: 'The offending input, e.g. querystring.limit' })),
    correlation_id: Type.Optional(Type.String()),
    retry_after_seconds: Type.Optional(Type.Number()),
    required_role: Type.Optional(
      Type.String({ description: '403 only: the least role the route needs (viewer, analyst, admin)' }),
    ),
    role: Type.Optional(Type.String({ description: '403 only: the role of the credential presented' })),
  },
  { description: 'Every error response' },
);

/** The standard error responses, by status, for route schemas. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorBody> {
  const responses: Record<number, typeof ErrorBody> = {};
  for (const status of [400, 401, 403, ...statuses]) responses[status] = ErrorBody;
  return responses;
}

export const FeedQuerySchema = Type.Object({
  severity: Type.Optional(SeverityList),
  access_token: Type.Optional(
    Type.String({ maxLength: 4_096, description: 'API key or JWT, for clients that cannot set headers' }),
  ),
});

export const AlertSchema = Type.Object(
  {
    id: Type.Integer(),
    alert_key: Type.String(),
    episode_key: Type.Union([Type.String(), Type.Null()]),
    alert_type: Type.String({ examples: ['SDHF_SIMBOX'] }),
    detection_rule: Type.String({ examples: ['SDHF_001'] }),
    rule: Type.String({ examples: ['sdhf'] }),
    window_seconds: Type.Union([Type.Integer(), Type.Null()]),
    suspect_number: Type.String(),
    alert_severity: SeverityName,
    evidence_summary: Type.String(),
    call_count: Type.Integer(),
    unique_destinations: Type.Integer(),
    avg_duration_seconds: Type.Number(),
    window_start: NullableTimestamp,
    window_end: NullableTimestamp,
    first_event_at: NullableTimestamp,
    last_event_at: NullableTimestamp,
    event_to_alert_ms: Type.Union([Type.Number(), Type.Null()]),
    reason: Type.Union([Type.String(), Type.Null()]),
    source: Type.String({ description: '`stream` (live engine) or `detect` (on-demand SQL detection)' }),
    created_at: Timestamp,
    reviewed: Type.Boolean(),
    reviewer_notes: Type.Union([Type.String(), Type.Null()]),
    reviewed_by: Type.Union([Type.String(), Type.Null()]),
    reviewed_at: NullableTimestamp,
  },
  { description: 'One row of fraud_alerts' },
);

export type ErrorBodyType = Static<typeof ErrorBody>;
