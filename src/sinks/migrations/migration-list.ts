/**
 * Every schema migration, in version order. Append only: a released migration never changes, a fix is a new
 * version. Kept as TS modules so `tsc` ships them with the build.
 */
import { initialSchema } from './0001-initial.js';
import { partitionFencing } from './0002-partition-fencing.js';
import { deadLetterReplays } from './0003-dead-letter-replays.js';
import { cases } from './0004-cases.js';
import { alertOutbox } from './0005-alert-outbox.js';

export interface Migration {
  /** Positive, unique, ascending. */
  version: number;
  /** Short kebab-case description, stored in `schema_migrations.name`. */
  name: string;
  /** One or more statements, run in one transaction (so nothing here may need to run outside one). */
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  initialSchema,
  partitionFencing,
  deadLetterReplays,
  cases,
  alertOutbox,
];
