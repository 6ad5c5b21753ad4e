/**
 * The alert outbox, like the case events' (docs/adr/0014-case-storage-and-publish-after-commit.md): alerts are
 * published on NATS after their batch commits and marked here once JetStream acknowledged them; a partition's
 * next owner publishes what is still unmarked. `stream_partition` says whose outbox a row is in. Rows written
 * before this migration have neither column set and are never published again (they were published before
 * their commit, by the engine of that time); rows from `/detect/sdhf` have no partition either.
 */
import type { Migration } from './migration-list.js';

const sql = /* sql */ `
ALTER TABLE fraud_alerts
  ADD COLUMN stream_partition smallint,
  ADD COLUMN published_at     timestamptz;
CREATE INDEX fraud_alerts_unpublished_idx ON fraud_alerts (stream_partition, id)
  WHERE published_at IS NULL AND stream_partition IS NOT NULL;
`;

export const alertOutbox: Migration = { version: 5, name: 'alert-outbox', sql };
