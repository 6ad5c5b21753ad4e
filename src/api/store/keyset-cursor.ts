/**
 * Keyset cursors for newest-first lists ordered by (created_at DESC, id DESC): paging deep into a large table
 * costs the same as the first page, and rows inserted meanwhile never shift a page. The cursor keeps
 * created_at at full (microsecond) precision, which a JS Date would lose.
 */
import type pg from 'pg';
import { ValidationFailedError } from '../api-errors.js';
import { SqlParams } from './sql-params.js';

/** Select this `AS cursor_ts` beside the row to build its cursor. */
export const CURSOR_TS = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export interface Cursor {
  ts: string;
  id: number;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.ts, cursor.id])).toString('base64url');
}

/** Throws ValidationFailedError naming `querystring.cursor` for anything this API did not return. */
export function decodeCursor(text: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      typeof value[0] === 'string' &&
      /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value[0]) &&
      Number.isSafeInteger(value[1])
    ) {
      return { ts: value[0], id: value[1] as number };
    }
  } catch {
    // fall through: reported below
  }
  throw new ValidationFailedError(
    'querystring.cursor',
    'querystring.cursor is not a cursor this API returned',
  );
}

/** pg gives timestamptz as Date; the API speaks ISO-8601 strings. */
export function isoOrNull(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : value;
}

export interface NewestFirstPage {
  /** Rows matching the filter, over all pages. */
  count: number;
  /** This page's rows, without their cursor column. */
  rows: Record<string, unknown>[];
  nextCursor: string | null;
}

/**
 * One newest-first page of `table` and the filter's total count, in two concurrent queries. `conditions`
 * adds the filter's SQL conditions with their parameters (it is called once per query).
 */
export async function newestFirstPage(
  pool: pg.Pool,
  query: {
    table: string;
    columns: string;
    conditions: (params: SqlParams) => string[];
    limit: number;
    cursorText: string | undefined;
  },
): Promise<NewestFirstPage> {
  const countParams = new SqlParams();
  const countConditions = query.conditions(countParams);
  const params = new SqlParams();
  const conditions = query.conditions(params);
  if (query.cursorText !== undefined) {
    const cursor = decodeCursor(query.cursorText);
    conditions.push(
      `(created_at, id) < (${params.add(cursor.ts)}::timestamptz, ${params.add(cursor.id)}::bigint)`,
    );
  }
  const [countResult, pageResult] = await Promise.all([
    pool.query<{ count: number }>(
      `SELECT count(*)::float8 AS count FROM ${query.table} ${whereOf(countConditions)}`,
      countParams.values,
    ),
    pool.query<Record<string, unknown> & { id: number; cursor_ts: string }>(
      `SELECT ${query.columns}, ${CURSOR_TS} AS cursor_ts FROM ${query.table} ${whereOf(conditions)}
       ORDER BY created_at DESC, id DESC LIMIT ${params.add(query.limit + 1)}`,
      params.values,
    ),
  ]);
  const more = pageResult.rows.length > query.limit;
  const page = more ? pageResult.rows.slice(0, query.limit) : pageResult.rows;
  const last = page[page.length - 1];
  return {
    count: countResult.rows[0]?.count ?? 0,
    rows: page.map(({ cursor_ts: _cursor, ...row }) => row),
    nextCursor: more && last !== undefined ? encodeCursor({ ts: last.cursor_ts, id: last.id }) : null,
  };
}

function whereOf(conditions: readonly string[]): string {
  return conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
}
