/**
 * A statement of a batch's closing request. The alert insert, the case-event store and fold, the offset advance
 * and COMMIT go to Postgres as one simple-protocol request (batch-commit.ts): an alert-bearing batch, whose
 * alerts are published only once it commits, pays one round trip for them instead of three. So each statement
 * carries its values inlined as literals (`escapeLiteral` output only) and knows how to read its own result.
 */
import type pg from 'pg';

export interface ClosingStatement<T> {
  sql: string;
  read(result: pg.QueryResult): T;
}

/** A JSON document as a `jsonb` literal for a closing statement. */
export function jsonbLiteral(client: pg.ClientBase, json: string): string {
  return `${client.escapeLiteral(json)}::jsonb`;
}
