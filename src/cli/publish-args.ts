/**
 * The arguments of `sentinel publish`: usage text and parsing (exit code 2 on a UsageError).
 */
import { UsageError } from '../shared/index.js';
import type { RecordFormat } from '../codec/index.js';
import { PROFILE_FLAGS_USAGE, readProfileFlag, type ProfileFlags } from './profile-flags.js';

export const PUBLISH_USAGE = `Usage: sentinel publish [FILE|-] [options]

Publishes CDRs to the CDR stream, each on cdr.in.<fnv1a32(caller) mod PARTITIONS>, Msg-Id = call_id.
FILE is NDJSON (one CDR JSON object per line) or CSV with the columns call_date, call_time,
caller_number, callee_number, duration_seconds[, call_direction, termination_cause, location_code].
With --profile, FILE is in that switch's own format (FreeSWITCH JSON CDRs, Asterisk Master.csv, JSON
through a mapping file), converted here before publishing. Reads stdin when FILE is - or absent.
The engine must have created the streams.

Options:
  --format csv|ndjson   input format without --profile (default: detected from the first line)
${PROFILE_FLAGS_USAGE}
  --rate N              at most N records per second (default: as fast as acks allow)
  --max-in-flight N     unacknowledged messages at once (default 1024)
  --subject-prefix P    subject prefix of the CDR stream (default cdr.in)
  --max-errors N        invalid records listed in the summary (default 100; all are counted)
  --dry-run             convert and validate only: publish nothing, no NATS connection
  --help                show this text
`;

export interface PublishArgs {
  file: string;
  format: RecordFormat | undefined;
  /** --profile and the options profiles take (--time-zone also applies to the seed CSV without a profile). */
  profile: ProfileFlags;
  ratePerSecond: number | undefined;
  maxInFlight: number;
  subjectPrefix: string;
  maxErrors: number;
  /** Convert and validate, publish nothing (no NATS connection). */
  dryRun: boolean;
  help: boolean;
}

function positiveInteger(flag: string, raw: string | undefined): number {
  const value = Number(raw);
  if (raw === undefined || !Number.isInteger(value) || value < 1) {
    throw new UsageError(`${flag} needs a positive integer, got ${raw ?? 'nothing'}`);
  }
  return value;
}

export function parsePublishArgs(args: readonly string[]): PublishArgs {
  const parsed: PublishArgs = {
    file: '-',
    format: undefined,
    profile: {},
    ratePerSecond: undefined,
    maxInFlight: 1024,
    subjectPrefix: 'cdr.in',
    maxErrors: 100,
    dryRun: false,
    help: false,
  };
  let fileSeen = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    if (readProfileFlag(flag, value, parsed.profile)) continue;
    switch (flag) {
      case '--help':
      case '-h':
        parsed.help = true;
        break;
      case '--dry-run':
        parsed.dryRun = true;
        break;
      case '--format': {
        const format = value();
        if (format !== 'csv' && format !== 'ndjson')
          throw new UsageError(`--format must be csv or ndjson, got ${format ?? 'nothing'}`);
        parsed.format = format;
        break;
      }
      case '--rate':
        parsed.ratePerSecond = positiveInteger('--rate', value());
        break;
      case '--max-in-flight':
        parsed.maxInFlight = positiveInteger('--max-in-flight', value());
        break;
      case '--max-errors':
        parsed.maxErrors = positiveInteger('--max-errors', value());
        break;
      case '--subject-prefix': {
        const prefix = value() ?? '';
        if (!/^[^\s*>]+$/.test(prefix) || prefix.startsWith('.') || prefix.endsWith('.')) {
          throw new UsageError(
            `--subject-prefix must be a subject without wildcards, got ${JSON.stringify(prefix)}`,
          );
        }
        parsed.subjectPrefix = prefix;
        break;
      }
      default:
        if (arg.startsWith('--') || fileSeen)
          throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
        parsed.file = arg;
        fileSeen = true;
    }
  }
  return parsed;
}
