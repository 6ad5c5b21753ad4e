/**
 * Run-time rule changes: SDHF thresholds per window, the alert cooldown and the allowlist. Each change is
 * stored in Postgres first (so a restart keeps it), then pushed to every worker through the engine port;
 * the next CDR is judged by the new rules.
 */
import { Type, type Static } from '@fastify/type-provider-typebox';
import { actorName, type ApiApp, type ApiContext } from '../api-context.js';
import { ConflictError, NotFoundError, UnavailableError, ValidationFailedError } from '../api-errors.js';
import type { RuleSettingsDoc } from '../engine-port.js';
import { errorResponses, NullableTimestamp } from '../schemas/common-schemas.js';
import {
  listAllowlist,
  loadRuleSettingsState,
  removeAllowlistEntry,
  saveThresholds,
  upsertAllowlistEntry,
  type RuleSettingsState,
} from '../store/rules-store.js';

const MinUnique = Type.Integer({
  minimum: 1,
  maximum: 1_000_000,
  description: 'Alert above this many distinct callees',
});
const MaxAvg = Type.Number({
  exclusiveMinimum: 0,
  maximum: 86_400,
  description: 'Alert below this average duration (s)',
});

const ThresholdSchema = Type.Object({
  window_seconds: Type.Integer({ minimum: 1 }),
  min_unique_destinations: MinUnique,
  max_avg_duration_seconds: MaxAvg,
});

const ThresholdsResponse = Type.Object({
  status: Type.Literal('success'),
  thresholds: Type.Array(ThresholdSchema),
  cooldown_seconds: Type.Integer(),
  windows_seconds: Type.Array(Type.Integer(), { description: 'The windows this deployment runs' }),
  updated_at: NullableTimestamp,
  updated_by: Type.Union([Type.String(), Type.Null()]),
});

const ThresholdsBody = Type.Object({
  min_unique_destinations: Type.Optional(MinUnique),
  max_avg_duration_seconds: Type.Optional(MaxAvg),
  thresholds: Type.Optional(Type.Array(ThresholdSchema, { minItems: 1, maxItems: 16 })),
  cooldown_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 604_800 })),
});

const ALLOWLIST_ENTRY_PATTERN = '^\\+?\\d{1,15}\\*?$';
const AllowlistEntrySchema = Type.Object({
  entry: Type.String(),
  note: Type.Union([Type.String(), Type.Null()]),
  created_at: NullableTimestamp,
  created_by: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.Literal('config'), Type.Literal('api')]),
});

function thresholdsBody(
  state: RuleSettingsState,
  windowsSeconds: number[],
): Static<typeof ThresholdsResponse> {
  return {
    status: 'success',
    thresholds: state.settings.thresholds.map((entry) => ({
      window_seconds: entry.windowSeconds,
      min_unique_destinations: entry.minUniqueDestinations,
      max_avg_duration_seconds: entry.maxAvgDurationSeconds,
    })),
    cooldown_seconds: state.settings.cooldownSeconds,
    windows_seconds: windowsSeconds,
    updated_at: state.updatedAt,
    updated_by: state.updatedBy,
  };
}

/** Per server, the push in progress: loads and pushes run one at a time, in commit order. */
const pushQueues = new WeakMap<ApiContext, Promise<unknown>>();

/**
 * Loads the stored settings and pushes them to the workers, one push at a time per server: two changes
 * committed close together could otherwise load in one order and reach the engine in the other, leaving it
 * on the older state. Returns what was pushed. A failure to push is a 503 that says the change is saved.
 */
export async function pushStoredRules(ctx: ApiContext): Promise<RuleSettingsState> {
  const previous = pushQueues.get(ctx) ?? Promise.resolve();
  const run = previous
    .catch(() => undefined)
    .then(async () => {
      const state = await loadRuleSettingsState(ctx.pool, ctx.ruleDefaults);
      await pushRules(ctx, state.settings);
      return state;
    });
  pushQueues.set(ctx, run);
  return await run;
}

async function pushRules(ctx: ApiContext, settings: RuleSettingsDoc): Promise<void> {
  try {
    await ctx.engine.applyRules(settings);
  } catch (error) {
    throw new UnavailableError(
      'the change is saved but could not be pushed to the workers; it applies at their next start',
      { cause: error },
    );
  }
}

function normaliseEntry(entry: string): string {
  return entry.replace(/^\+/, '');
}

export function registerRuleRoutes(app: ApiApp, ctx: ApiContext): void {
  const windowsSeconds = ctx.ruleDefaults.thresholds.map((entry) => entry.windowSeconds);

  app.get(
    '/thresholds',
    {
      schema: {
        summary: 'Current SDHF thresholds per window and the alert cooldown',
        tags: ['rules'],
        response: { 200: ThresholdsResponse, ...errorResponses() },
      },
    },
    async () => thresholdsBody(await loadRuleSettingsState(ctx.pool, ctx.ruleDefaults), windowsSeconds),
  );

  app.put(
    '/thresholds',
    {
      schema: {
        summary: 'Change thresholds at run time',
        description:
          'Top-level `min_unique_destinations` / `max_avg_duration_seconds` apply to every window; entries in ' +
          '`thresholds` override single windows (`window_seconds` must be one this deployment runs). Windows ' +
          'not mentioned keep their current values. Stored, then pushed to every worker.',
        tags: ['rules'],
        body: ThresholdsBody,
        response: { 200: ThresholdsResponse, ...errorResponses(503) },
      },
    },
    async (request) => {
      const body = request.body;
      if (
        body.min_unique_destinations === undefined &&
        body.max_avg_duration_seconds === undefined &&
        body.thresholds === undefined &&
        body.cooldown_seconds === undefined
      ) {
        throw new ValidationFailedError('body', 'body must change at least one setting');
      }
      body.thresholds?.forEach((entry, index) => {
        if (!windowsSeconds.includes(entry.window_seconds)) {
          throw new ValidationFailedError(
            `body.thresholds.${index}.window_seconds`,
            `body.thresholds.${index}.window_seconds must be one of ${windowsSeconds.join(', ')}`,
          );
        }
      });
      const current = await loadRuleSettingsState(ctx.pool, ctx.ruleDefaults);
      const thresholds = current.settings.thresholds.map((entry) => {
        const override = body.thresholds?.find(
          (candidate) => candidate.window_seconds === entry.windowSeconds,
        );
        return {
          windowSeconds: entry.windowSeconds,
          minUniqueDestinations:
            override?.min_unique_destinations ?? body.min_unique_destinations ?? entry.minUniqueDestinations,
          maxAvgDurationSeconds:
            override?.max_avg_duration_seconds ??
            body.max_avg_duration_seconds ??
            entry.maxAvgDurationSeconds,
        };
      });
      const by = actorName(request.principal);
      await saveThresholds(ctx.pool, thresholds, body.cooldown_seconds, by);
      const saved = await pushStoredRules(ctx);
      request.log.info(
        { thresholds, cooldownSeconds: saved.settings.cooldownSeconds, by },
        'thresholds changed',
      );
      return thresholdsBody(saved, windowsSeconds);
    },
  );

  app.get(
    '/allowlist',
    {
      schema: {
        summary: 'Numbers and prefixes that never alert',
        tags: ['rules'],
        response: {
          200: Type.Object({
            status: Type.Literal('success'),
            count: Type.Integer(),
            entries: Type.Array(AllowlistEntrySchema),
          }),
          ...errorResponses(),
        },
      },
    },
    async () => {
      const entries = await listAllowlist(ctx.pool, ctx.ruleDefaults.allowlist);
      return { status: 'success' as const, count: entries.length, entries };
    },
  );

  app.post(
    '/allowlist',
    {
      schema: {
        summary: 'Add a number or prefix (ending in *) to the allowlist',
        description: 'Answers 201 when added, 200 when it was already there (the note is updated).',
        tags: ['rules'],
        body: Type.Object({
          entry: Type.String({ pattern: ALLOWLIST_ENTRY_PATTERN, examples: ['2348012345678', '234801*'] }),
          note: Type.Optional(Type.String({ maxLength: 500 })),
        }),
        response: {
          200: Type.Object({ status: Type.Literal('success'), entry: AllowlistEntrySchema }),
          201: Type.Object({ status: Type.Literal('success'), entry: AllowlistEntrySchema }),
          ...errorResponses(503),
        },
      },
    },
    async (request, reply) => {
      const entry = normaliseEntry(request.body.entry);
      const by = actorName(request.principal);
      const { record, created } = await upsertAllowlistEntry(ctx.pool, entry, request.body.note ?? null, by);
      await pushStoredRules(ctx);
      request.log.info(
        { entryLength: entry.length, prefix: entry.endsWith('*'), by },
        'allowlist entry added',
      );
      void reply.code(created ? 201 : 200);
      return { status: 'success' as const, entry: record };
    },
  );

  app.delete(
    '/allowlist/:entry',
    {
      schema: {
        summary: 'Remove an allowlist entry added through the API',
        tags: ['rules'],
        params: Type.Object({ entry: Type.String({ pattern: ALLOWLIST_ENTRY_PATTERN }) }),
        response: {
          200: Type.Object({ status: Type.Literal('success'), deleted: Type.String() }),
          ...errorResponses(404, 409, 503),
        },
      },
    },
    async (request) => {
      const entry = normaliseEntry(request.params.entry);
      if (ctx.ruleDefaults.allowlist.includes(entry)) {
        throw new ConflictError(
          'this entry comes from the ALLOWLIST configuration; change the configuration instead',
        );
      }
      if (!(await removeAllowlistEntry(ctx.pool, entry))) throw new NotFoundError('no such allowlist entry');
      await pushStoredRules(ctx);
      request.log.info({ by: actorName(request.principal) }, 'allowlist entry removed');
      return { status: 'success' as const, deleted: entry };
    },
  );
}
