/**
 * Keyset cursors for newest-first lists ordered by (created_at DESC, id DESC): paging deep into a large table
 * costs the same as the first page, and rows inserted meanwhile never shift a page. The cursor keeps
 * created_at at full (microsecond) precision, which a JS Date would lose.
 */
import { ValidationFailedError } from '../api-errors.js';

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
