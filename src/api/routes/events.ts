/**
 * One CDR as JSON (the predecessor's real-time endpoint). The record is validated with the engine's own CDR
 * rules, published to the CDR stream like any switch record, and the answer waits (bounded) until the
 * caller's owning worker has applied it, so the risk score includes this call.
 */
import { randomBytes } from 'node:crypto';
import { Type } from '@fastify/type-provider-typebox';
import { validateCdrObject } from '../../codec/index.js';
import type { ApiApp, ApiContext } from '../api-context.js';
import { UnavailableError, ValidationFailedError } from '../api-errors.js';
import { errorResponses, PhoneNumber, Timestamp } from '../schemas/common-schemas.js';
import { riskOf, RiskLevelSchema, windowStats, WindowStatsSchema } from './caller-view-body.js';

const CallEventBody = Type.Object({
  caller_number: PhoneNumber,
  callee_number: PhoneNumber,
  duration_seconds: Type.Number({ minimum: 0, maximum: 86_400, description: 'Rounded to whole seconds' }),
  call_direction: Type.Optional(Type.Union([Type.Literal('inbound'), Type.Literal('outbound')])),
  timestamp: Type.Optional(Timestamp),
  call_id: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'The switch’s call id; generated when absent' }),
  ),
});

const CallEventResponse = Type.Object({
  status: Type.Literal('accepted'),
  event_id: Type.String({ description: '`evt_` + 12 hex digits' }),
  call_id: Type.String(),
  risk_score: Type.Union([Type.Number(), Type.Null()], {
    description: 'Caller risk over its 24 h window, 0..1; null when the owning worker did not answer in time',
  }),
  risk_level: Type.Union([RiskLevelSchema, Type.Null()]),
  window: Type.Union([WindowStatsSchema, Type.Null()]),
});

/** CDR wire field → the request field it came from, so a rejection names what the client sent. */
const BODY_FIELD: Record<string, string> = {
  call_id: 'call_id',
  caller: 'caller_number',
  callee: 'callee_number',
  start: 'timestamp',
  duration: 'duration_seconds',
  direction: 'call_direction',
};

export function registerEventRoutes(app: ApiApp, ctx: ApiContext): void {
  const received = ctx.metrics.counter('sentinel_realtime_events_received_total');
  app.post(
    '/events/call',
    {
      schema: {
        summary: 'Submit one call event and get the caller’s current risk score',
        tags: ['events'],
        body: CallEventBody,
        response: { 200: CallEventResponse, ...errorResponses(503) },
      },
    },
    async (request) => {
      const body = request.body;
      const eventId = `evt_${randomBytes(6).toString('hex')}`;
      const callId = body.call_id ?? eventId;
      const record: Record<string, unknown> = {
        call_id: callId,
        caller: body.caller_number,
        callee: body.callee_number,
        start: body.timestamp ?? new Date().toISOString(),
        duration: Math.round(body.duration_seconds),
      };
      if (body.call_direction !== undefined) record.direction = body.call_direction;
      const checked = validateCdrObject(record);
      if (!checked.ok) {
        const field =
          checked.field === undefined ? 'body' : `body.${BODY_FIELD[checked.field] ?? checked.field}`;
        throw new ValidationFailedError(field, `${field}: ${checked.message} (${checked.reason})`);
      }
      received.inc();
      const callerDigits = String(checked.cdr.caller);
      let view;
      try {
        view = await ctx.engine.submitAndView(record, callerDigits);
      } catch (error) {
        throw new UnavailableError(
          'the engine did not confirm the event (it may still be processed; resending with the same call_id is safe)',
          { cause: error },
        );
      }
      const risk = view === undefined ? undefined : riskOf(view);
      const window = view?.windows.find((candidate) => candidate.windowSeconds === risk?.windowSeconds);
      return {
        status: 'accepted' as const,
        event_id: eventId,
        call_id: callId,
        risk_score: risk?.score ?? null,
        risk_level: risk?.level ?? null,
        window: window === undefined ? null : windowStats(window),
      };
    },
  );
}
