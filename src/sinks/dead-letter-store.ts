/**
 * `dead_letters` outside the shard workers' COPY path: rows the feed normaliser writes for records its input
 * profiles reject, and what `sentinel dlq list|replay` reads and marks. Shard workers keep writing their own
 * dead letters in their batch transaction (batch-commit.ts); these queries never touch `sink_offsets`.
 */
import type { Database } from './database.js';
import { withConnection } from './database.js';

/** A record a feed profile rejected. */
export interface FeedDeadLetterRow {
  reason: string;
  field: string | undefined;
  message: string;
  /** `cdr.feed.<profile>`. */
  subject: string;
  /** Sequence of the message in the feed stream. */
  streamSeq: number;
  profile: string;
  /**
   * Unique per feed message (stream, sequence and stored time): a redelivery after a crash between the insert
   * and the ack finds the row already there and inserts nothing.
   */
  sourceKey: string;
  raw: Uint8Array;
}

/** Inserts feed dead letters, skipping those already stored; resolves to the number inserted. */
export async function insertFeedDeadLetters(
  db: Database,
  rows: readonly FeedDeadLetterRow[],
): Promise<number> {
  if (rows.length === 0) return 0;
  return await withConnection(db, async (client) => {
    const result = await client.query(
      `INSERT INTO dead_letters (reason, field, message, subject, stream_seq, profile, source_key, raw)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[],
                            $8::bytea[])
       ON CONFLICT (source_key) DO NOTHING`,
      [
        rows.map((row) => row.reason),
        rows.map((row) => row.field ?? null),
        rows.map((row) => row.message.replaceAll('\u0000', '\uFFFD')),
        rows.map((row) => row.subject),
        rows.map((row) => row.streamSeq),
        rows.map((row) => row.profile),
        rows.map((row) => row.sourceKey),
        rows.map((row) => Buffer.from(row.raw.buffer, row.raw.byteOffset, row.raw.byteLength)),
      ],
    );
    return result.rowCount ?? 0;
  });
}

export interface DeadLetterFilter {
  reason?: string | undefined;
  /**
   * Only rows rejected by this input profile (`dead_letters.profile`); `contract` also matches the shard workers'
   * rows, which carry no profile because they were rejected as contract JSON.
   */
  profile?: string | undefined;
  /** Only rows received at or after this time (epoch ms). */
  sinceMs?: number | undefined;
  /** Include rows already replayed. @default false */
  includeReplayed?: boolean | undefined;
  /** Newest first (listings) instead of oldest first (replays keep the order records arrived in). */
  newestFirst?: boolean | undefined;
  limit: number;
}

export interface StoredDeadLetter {
  id: number;
  reason: string;
  field: string | null;
  message: string | null;
  subject: string | null;
  profile: string | null;
  receivedAt: Date;
  replayedAt: Date | null;
  replayCount: number;
  replayedProfile: string | null;
  raw: Buffer;
}

interface DeadLetterDbRow {
  id: string;
  reason: string;
  field: string | null;
  message: string | null;
  subject: string | null;
  profile: string | null;
  received_at: Date;
  replayed_at: Date | null;
  replay_count: number;
  replayed_profile: string | null;
  raw: Buffer | null;
}

/** Dead letters matching `filter`, oldest first unless `newestFirst`. */
export async function selectDeadLetters(db: Database, filter: DeadLetterFilter): Promise<StoredDeadLetter[]> {
  return await withConnection(db, async (client) => {
    const result = await client.query<DeadLetterDbRow>(
      `SELECT id, reason, field, message, subject, profile, received_at, replayed_at, replay_count,
              replayed_profile, raw
         FROM dead_letters
        WHERE ($1::text IS NULL OR reason = $1)
          AND ($2::text IS NULL OR coalesce(profile, 'contract') = $2)
          AND ($3::timestamptz IS NULL OR received_at >= $3)
          AND ($4::boolean OR replayed_at IS NULL)
        ORDER BY id ${filter.newestFirst === true ? 'DESC' : 'ASC'}
        LIMIT $5`,
      [
        filter.reason ?? null,
        filter.profile ?? null,
        filter.sinceMs === undefined ? null : new Date(filter.sinceMs),
        filter.includeReplayed ?? false,
        filter.limit,
      ],
    );
    return result.rows.map((row) => ({
      id: Number(row.id),
      reason: row.reason,
      field: row.field,
      message: row.message,
      subject: row.subject,
      profile: row.profile,
      receivedAt: row.received_at,
      replayedAt: row.replayed_at,
      replayCount: row.replay_count,
      replayedProfile: row.replayed_profile,
      raw: row.raw ?? Buffer.alloc(0),
    }));
  });
}

/** Records that these dead letters were republished (through `profile`). */
export async function markDeadLettersReplayed(
  db: Database,
  ids: readonly number[],
  profile: string,
): Promise<void> {
  if (ids.length === 0) return;
  await withConnection(db, async (client) => {
    await client.query(
      `UPDATE dead_letters
          SET replayed_at = now(), replay_count = replay_count + 1, replayed_profile = $2
        WHERE id = ANY($1::bigint[])`,
      [ids, profile],
    );
  });
}
