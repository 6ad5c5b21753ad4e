/**
 * Claiming a partition in Postgres, the half of fencing the database owns. A new lease holder runs this once
 * before it reads or writes anything of the partition: under the row lock it compares its epoch with the
 * stored one, raises it, and learns the committed offset. From then on every older holder's commit fails
 * (`commitBatch` checks the epoch under the same lock), whatever its clock or its idea of the lease says.
 */
import type pg from 'pg';

export interface PartitionClaim {
  consumer: string;
  partition: number;
  /** The lease's epoch (its acquisition revision in the lease store). */
  epoch: number;
  /** Name and creation time of the stream the partition's sequence numbers come from. */
  stream: string;
  /** Who claims, for operators (instance name and token). */
  owner: string;
}

export type ClaimResult =
  /** `committedSeq`: highest sequence already written; `reset`: the stored offset belonged to another stream. */
  | { claimed: true; committedSeq: number; reset: boolean; previousOwner: string | null }
  /** A newer owner has claimed the partition already: this lease is stale. */
  | { claimed: false; storedEpoch: number; storedOwner: string | null };

export async function claimPartition(client: pg.ClientBase, claim: PartitionClaim): Promise<ClaimResult> {
  await client.query('BEGIN');
  try {
    const locked = await client.query<{
      last_seq: string;
      epoch: string;
      stream: string | null;
      owner: string | null;
    }>(
      `INSERT INTO sink_offsets AS o (consumer, partition, last_seq) VALUES ($1, $2, 0)
       ON CONFLICT (consumer, partition) DO UPDATE SET last_seq = o.last_seq
       RETURNING last_seq, epoch, stream, owner`,
      [claim.consumer, claim.partition],
    );
    const row = locked.rows[0]!;
    const storedEpoch = Number(row.epoch);
    if (storedEpoch > claim.epoch) {
      await client.query('ROLLBACK');
      return { claimed: false, storedEpoch, storedOwner: row.owner };
    }
    // No stream recorded yet (offsets from before fencing existed): those offsets are this stream's.
    const reset = row.stream !== null && row.stream !== claim.stream;
    await client.query(
      `UPDATE sink_offsets SET epoch = $3, stream = $4, owner = $5, claimed_at = now(),
              last_seq = CASE WHEN $6::boolean THEN 0 ELSE last_seq END, updated_at = now()
        WHERE consumer = $1 AND partition = $2`,
      [claim.consumer, claim.partition, claim.epoch, claim.stream, claim.owner, reset],
    );
    await client.query('COMMIT');
    return { claimed: true, committedSeq: reset ? 0 : Number(row.last_seq), reset, previousOwner: row.owner };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
