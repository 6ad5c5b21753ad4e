/** Query pieces shared by the case list (`/alerts`) and the detection log (`/detections`). */
import { Type } from '@fastify/type-provider-typebox';
import type { Severity } from '../../windows/index.js';
import { ValidationFailedError } from '../api-errors.js';

export const RuleName = Type.String({
  pattern: '^[a-z0-9_]{1,32}$',
  description: 'Lower-case rule id, e.g. sdhf',
});

export const Since = Type.String({ format: 'date-time', description: 'created_at at or after (ISO-8601)' });
export const Until = Type.String({ format: 'date-time', description: 'created_at before (ISO-8601)' });
export const Limit = Type.Integer({ minimum: 1, maximum: 1_000, default: 50 });
export const CursorParam = Type.String({
  maxLength: 200,
  description: '`next_cursor` of the previous page',
});
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

/** `HIGH,CRITICAL` → ['HIGH', 'CRITICAL'] (the schema has checked the words). */
export function listOf<T extends string>(list: string | undefined): T[] | undefined {
  return list === undefined ? undefined : (list.split(',') as T[]);
}

export function severities(list: string | undefined): Severity[] | undefined {
  return listOf<Severity>(list);
}

/** The since/until pair as Dates; 400 naming `querystring.until` when the range is empty. */
export function timeRange(
  sinceText: string | undefined,
  untilText: string | undefined,
): { since: Date | undefined; until: Date | undefined } {
  const since = sinceText === undefined ? undefined : new Date(sinceText);
  const until = untilText === undefined ? undefined : new Date(untilText);
  if (since !== undefined && until !== undefined && until <= since) {
    throw new ValidationFailedError('querystring.until', 'querystring.until must be after querystring.since');
  }
  return { since, until };
}
