/**
 * Dead letters you can fix and replay (docs/runbook.md, docs/feeds.md). Numbered 3: version 2 is reserved for the
 * partition-lease migration developed alongside; the runner applies whichever versions are missing, so the two
 * may land in either order.
 *
 * - `dead_letters` learns which input profile rejected a record (`profile`), a key that makes the feed
 *   normaliser's inserts idempotent (`source_key`: one row per feed message however often it is redelivered),
 *   and what replays did (`replayed_at`, `replay_count`, `replayed_profile`).
 * - `dead_letter_replays` is the replay ledger: the sink inserts a dead letter's id in the same transaction as
 *   the call record it replays, ON CONFLICT DO NOTHING, and writes the record only when that insert happened.
 *   A replay is therefore stored at most once whenever and however often it runs, long after JetStream's
 *   duplicate window and the engine's recent call_id set have forgotten it.
 */
import type { Migration } from './migration-list.js';

const sql = /* sql */ `
ALTER TABLE dead_letters
  ADD COLUMN profile          text,
  ADD COLUMN source_key       text,
  ADD COLUMN replayed_at      timestamptz,
  ADD COLUMN replay_count     integer NOT NULL DEFAULT 0,
  ADD COLUMN replayed_profile text;
-- NULL keys never conflict, so rows from the shard workers (who dedup by stream offsets) are unaffected.
CREATE UNIQUE INDEX dead_letters_source_key_idx ON dead_letters (source_key);

CREATE TABLE dead_letter_replays (
  dead_letter_id   bigint      PRIMARY KEY,
  call_id          text        NOT NULL,
  stream_partition smallint    NOT NULL,
  stream_seq       bigint      NOT NULL,
  stored_at        timestamptz NOT NULL DEFAULT now()
);
`;

export const deadLetterReplays: Migration = { version: 3, name: 'dead-letter-replays', sql };
