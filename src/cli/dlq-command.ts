/**
 * `sentinel dlq list|replay`: the dead letters in Postgres, and republishing them once whatever rejected them is
 * fixed — usually a mapping file or a profile option, sometimes the engine itself.
 *
 * Replay converts each dead letter's raw bytes with a profile (`--profile`, else the profile that rejected it,
 * else the contract), publishes what now converts to `cdr.in.<p>` with Msg-Id `dlq-<id>` and header
 * `Sentinel-Replay-Of: <id>`, and marks the row (`replayed_at`, `replay_count`, `replayed_profile`). The sink
 * claims `<id>` in `dead_letter_replays` in the transaction that stores the record, so however often and
 * however late a dead letter is replayed, its record is stored at most once. Prints one JSON summary.
 */
import type { Writable } from 'node:stream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import type { Logger } from 'pino';
import { convertRecordBytes, parseIsoTimestampMs, type Cdr, type InputProfile } from '../codec/index.js';
import type { FeedConfig } from '../config/index.js';
import { UsageError } from '../shared/index.js';
import {
  markDeadLettersReplayed,
  selectDeadLetters,
  type DeadLetterFilter,
  type StoredDeadLetter,
} from '../sinks/index.js';
import { CdrPublisher, natsServers, PublishFailedError } from '../stream/index.js';
import {
  PROFILE_FLAGS_USAGE,
  profileFromFlags,
  readProfileFlag,
  type ProfileFlags,
} from './profile-flags.js';

export const DLQ_USAGE = `Usage: sentinel dlq list|replay [options]

  list     the latest dead letters, newest first, one JSON object per line
  replay   republish dead letters that now convert, each stored at most once however often replayed

Selection:
  --reason R            only this reason code (e.g. invalid_start)
  --rejected-by P       only rows this profile rejected (contract: the shard workers' rows);
                        default for replay: the --profile given
  --since T             received at or after T: an ISO-8601 time, a date, or a duration ago (24h, 7d)
  --limit N             at most N rows (default 100)
  --include-replayed    replay rows already replayed too (listings always show them)
Conversion (replay):
${PROFILE_FLAGS_USAGE}
  --dry-run             convert and count, publish and mark nothing
`;

export interface DlqCommandDeps {
  databaseUrl: string;
  natsUrl: string;
  partitions: number;
  /** FEED_* settings: default zone and numbering plan, and the configured mapping files by name. */
  feed: FeedConfig;
  logger: Logger;
  out: Writable;
}

interface DlqArgs {
  action: 'list' | 'replay';
  filter: DeadLetterFilter;
  profile: ProfileFlags;
  dryRun: boolean;
}

const DURATION_AGO = /^(\d+)(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function parseSince(raw: string | undefined, nowMs: number): number {
  const text = raw ?? '';
  const ago = DURATION_AGO.exec(text);
  if (ago !== null) return nowMs - Number(ago[1]) * UNIT_MS[ago[2] as keyof typeof UNIT_MS];
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : parseIsoTimestampMs(text);
  if (Number.isNaN(ms))
    throw new UsageError(
      `--since expects an ISO-8601 time, a date or a duration like 24h, got ${JSON.stringify(text)}`,
    );
  return ms;
}

export function parseDlqArgs(args: readonly string[], nowMs: number): DlqArgs {
  const [action, ...rest] = args;
  if (action !== 'list' && action !== 'replay') throw new UsageError('sentinel dlq expects list or replay');
  const parsed: DlqArgs = { action, filter: { limit: 100 }, profile: {}, dryRun: false };
  let rejectedBy: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i] as string;
    const value = (): string | undefined => rest[++i];
    if (readProfileFlag(flag, value, parsed.profile)) continue;
    switch (flag) {
      case '--reason':
        parsed.filter.reason = value();
        break;
      case '--rejected-by':
        rejectedBy = value();
        break;
      case '--since':
        parsed.filter.sinceMs = parseSince(value(), nowMs);
        break;
      case '--limit': {
        const limit = Number(value());
        if (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000)
          throw new UsageError('--limit expects 1..1000000');
        parsed.filter.limit = limit;
        break;
      }
      case '--include-replayed':
        parsed.filter.includeReplayed = true;
        break;
      case '--dry-run':
        parsed.dryRun = true;
        break;
      default:
        throw new UsageError(`unexpected argument ${JSON.stringify(flag)}\n\n${DLQ_USAGE}`);
    }
  }
  parsed.filter.profile = rejectedBy ?? (action === 'replay' ? parsed.profile.profile : undefined);
  if (action === 'list') parsed.filter.includeReplayed = true;
  return parsed;
}

async function list(pool: pg.Pool, filter: DeadLetterFilter, out: Writable): Promise<void> {
  // snake_case, as the columns and as `dlq list` always printed them (runbooks pipe this to jq).
  for (const row of await selectDeadLetters(pool, { ...filter, newestFirst: true })) {
    const line = {
      id: row.id,
      reason: row.reason,
      field: row.field,
      message: row.message,
      subject: row.subject,
      profile: row.profile,
      received_at: row.receivedAt,
      replayed_at: row.replayedAt,
      replay_count: row.replayCount,
      replayed_profile: row.replayedProfile,
      raw_preview: row.raw.toString('utf8', 0, 200),
    };
    out.write(`${JSON.stringify(line)}\n`);
  }
}

export interface ReplaySummary {
  selected: number;
  /** Published (acked by the CDR stream) and marked replayed. */
  replayed: number;
  /** Acks that said duplicate: replayed again within the duplicate window. */
  duplicates: number;
  stillInvalid: number;
  stillInvalidReasons: Record<string, number>;
  /** `id N: reason: message` for the first few that still do not convert. */
  stillInvalidSamples: string[];
  failed: number;
  dryRun: boolean;
}

/** Which profile converts `row`: the one given, else the one that rejected it, else the contract. */
async function profileFor(
  row: StoredDeadLetter,
  args: DlqArgs,
  feed: FeedConfig,
  cache: Map<string, InputProfile>,
  nowMs: number,
): Promise<InputProfile> {
  const name = args.profile.profile ?? row.profile ?? 'contract';
  let profile = cache.get(name);
  if (profile === undefined) {
    profile = await profileFromFlags({ ...args.profile, profile: name }, feed, nowMs);
    cache.set(name, profile);
  }
  return profile;
}

async function replay(pool: pg.Pool, args: DlqArgs, deps: DlqCommandDeps): Promise<ReplaySummary> {
  const nowMs = Date.now();
  const rows = await selectDeadLetters(pool, args.filter);
  const summary: ReplaySummary = {
    selected: rows.length,
    replayed: 0,
    duplicates: 0,
    stillInvalid: 0,
    stillInvalidReasons: {},
    stillInvalidSamples: [],
    failed: 0,
    dryRun: args.dryRun,
  };
  const cache = new Map<string, InputProfile>();
  const ready: { row: StoredDeadLetter; cdr: Cdr; profile: string }[] = [];
  for (const row of rows) {
    const profile = await profileFor(row, args, deps.feed, cache, nowMs);
    const converted = convertRecordBytes(profile, row.raw, { nowMs });
    if (converted.ok) {
      ready.push({ row, cdr: converted.cdr, profile: profile.name });
      continue;
    }
    summary.stillInvalid++;
    summary.stillInvalidReasons[converted.reason] = (summary.stillInvalidReasons[converted.reason] ?? 0) + 1;
    if (summary.stillInvalidSamples.length < 10)
      summary.stillInvalidSamples.push(`id ${row.id}: ${converted.reason}: ${converted.message}`);
  }
  if (args.dryRun || ready.length === 0) {
    if (args.dryRun) summary.replayed = ready.length;
    return summary;
  }
  const nc = await connect({ servers: natsServers(deps.natsUrl), name: 'sentinel-dlq-replay' });
  const failed = new Set<string>();
  const publisher = new CdrPublisher(nc, {
    partitions: deps.partitions,
    logger: deps.logger,
    onFailure: (failure) => {
      if (failure.msgId !== undefined) failed.add(failure.msgId);
    },
  });
  try {
    for (const { row, cdr } of ready) await publisher.publishReplay(cdr, row.id);
    await publisher.flush().catch((error: unknown) => {
      if (!(error instanceof PublishFailedError)) throw error;
    });
    summary.duplicates = publisher.stats().duplicates;
  } finally {
    await publisher.close();
    await nc.drain().catch(() => undefined);
  }
  const byProfile = new Map<string, number[]>();
  for (const { row, profile } of ready) {
    if (failed.has(`dlq-${row.id}`)) continue;
    byProfile.set(profile, [...(byProfile.get(profile) ?? []), row.id]);
  }
  for (const [profile, ids] of byProfile) await markDeadLettersReplayed(pool, ids, profile);
  summary.failed = failed.size;
  summary.replayed = ready.length - failed.size;
  return summary;
}

/** Runs `sentinel dlq …`; resolves to the exit code (1 when some replays could not be published). */
export async function runDlqCommand(args: readonly string[], deps: DlqCommandDeps): Promise<number> {
  const parsed = parseDlqArgs(args, Date.now());
  const pool = new pg.Pool({ connectionString: deps.databaseUrl, max: 2 });
  try {
    if (parsed.action === 'list') {
      await list(pool, parsed.filter, deps.out);
      return 0;
    }
    const summary = await replay(pool, parsed, deps);
    deps.out.write(`${JSON.stringify(summary)}\n`);
    return summary.failed > 0 ? 1 : 0;
  } finally {
    await pool.end();
  }
}
