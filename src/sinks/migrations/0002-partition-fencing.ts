/**
 * Fenced partition ownership (docs/adr/0008-fenced-partition-ownership.md). Each `sink_offsets` row records the
 * epoch of the lease under which its partition was last claimed and the identity of the stream its sequence
 * numbers belong to. A claim raises the epoch; a commit under a smaller epoch is refused, so an owner that lost
 * its lease can never write again. A claim for another stream identity (the stream was deleted and created
 * again, restarting its sequences) starts the partition's offset over instead of skipping the new records.
 */
import type { Migration } from './migration-list.js';

const sql = /* sql */ `
ALTER TABLE sink_offsets
  ADD COLUMN epoch      bigint NOT NULL DEFAULT 0,
  ADD COLUMN stream     text,
  ADD COLUMN owner      text,
  ADD COLUMN claimed_at timestamptz;
`;

export const partitionFencing: Migration = { version: 2, name: 'partition-fencing', sql };
