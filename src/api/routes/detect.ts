/**
 * On-demand SDHF detection over stored call records (the predecessor's endpoint and response shape). The
 * streaming engine finds the same pattern within seconds; this remains for what-if runs with other
 * thresholds, and for data loaded before the engine ran. New alerts also go out on the live feed.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { ApiApp, ApiContext } from '../api-context.js';
import { errorResponses, NullableTimestamp, SeverityName, Timestamp } from '../schemas/common-schemas.js';
import { feedDataFromRecord } from '../feed/feed-messages.js';
import { runSdhfDetection } from '../store/detect-store.js';
import { rateLimitFor } from '../rate-limits.js';

const DetectBody = Type.Object({
  time_window_hours: Type.Integer({ minimum: 1, maximum: 168, default: 24 }),
  min_unique_destinations: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 50,
    description: 'Flag callers with strictly more distinct callees',
  }),
  max_avg_duration_seconds: Type.Number({
    exclusiveMinimum: 0,
    maximum: 86_400,
    default: 3.0,
    description: 'Flag callers whose average call is strictly shorter',
  }),
  window_end: Type.Optional(
    Type.String({ format: 'date-time', description: 'End of the window; default: the newest stored call' }),
  ),
  dry_run: Type.Boolean({ default: false, description: 'Report what would be alerted; store nothing' }),
});

const SuspectSchema = Type.Object({
  suspect_number: Type.String(),
  call_count: Type.Integer(),
  unique_destinations: Type.Integer(),
  avg_duration_seconds: Type.Number(),
  total_duration_seconds: Type.Number(),
  first_event_at: Timestamp,
  last_event_at: Timestamp,
  alert_severity: SeverityName,
  alert_id: Type.Union([Type.Integer(), Type.Null()]),
  outcome: Type.Union(
    [
      Type.Literal('alerted'),
      Type.Literal('would_alert'),
      Type.Literal('already_open'),
      Type.Literal('already_alerted'),
    ],
    {
      description:
        '`would_alert`: dry run; `already_open`: an unreviewed alert for this caller and rule exists (no ' +
        'duplicate); `already_alerted`: this same detection (window and data) ran before',
    },
  ),
});

const DetectResponse = Type.Object({
  status: Type.Literal('success'),
  alerts_generated: Type.Integer(),
  alert_ids: Type.Array(Type.Integer()),
  suspects: Type.Array(SuspectSchema),
  window_start: NullableTimestamp,
  window_end: NullableTimestamp,
  processing_time_seconds: Type.Number(),
});

export function registerDetectRoutes(app: ApiApp, ctx: ApiContext): void {
  const runs = ctx.metrics.counter('sentinel_detection_runs_total');
  const duration = ctx.metrics.histogram('sentinel_detection_duration_seconds');
  app.post(
    '/detect/sdhf',
    {
      // The predecessor's clients POST with no body at all; treat that as "all defaults".
      preValidation: async (request) => {
        request.body ??= {} as typeof request.body;
      },
      preHandler: rateLimitFor(app, ctx.config.rateLimit.detectPerMinute),
      schema: {
        summary: 'Run SDHF detection over stored call records',
        description:
          'The window ends at the newest stored call (not at wall-clock now). Callers with an unreviewed ' +
          'alert for the rule are reported but not alerted again.',
        tags: ['detect'],
        body: DetectBody,
        response: { 200: DetectResponse, ...errorResponses(429) },
      },
    },
    async (request) => {
      const body = request.body;
      const startedAt = performance.now();
      const result = await runSdhfDetection(ctx.pool, {
        timeWindowHours: body.time_window_hours,
        minUniqueDestinations: body.min_unique_destinations,
        maxAvgDurationSeconds: body.max_avg_duration_seconds,
        windowEnd: body.window_end === undefined ? undefined : new Date(body.window_end),
        dryRun: body.dry_run,
      });
      const seconds = (performance.now() - startedAt) / 1_000;
      runs.inc();
      duration.observe(seconds);
      for (const alert of result.inserted) ctx.feed.publish(feedDataFromRecord(alert));
      request.log.info(
        { suspects: result.suspects.length, alertsGenerated: result.inserted.length, seconds },
        'SDHF detection run finished',
      );
      return {
        status: 'success' as const,
        alerts_generated: result.inserted.length,
        alert_ids: result.inserted.map((alert) => alert.id).sort((a, b) => a - b),
        suspects: result.suspects,
        window_start: result.windowStart,
        window_end: result.windowEnd,
        processing_time_seconds: Math.round(seconds * 1_000) / 1_000,
      };
    },
  );
}
