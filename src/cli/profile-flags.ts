/**
 * The input-profile flags shared by `sentinel publish` and `sentinel dlq replay`: `--profile NAME`,
 * `--mapping FILE`, `--time-zone ZONE`, `--country-code CC`, `--trunk-prefix P`. Flags win over the deployment's
 * FEED_* settings; a mapping file's own `time_zone` and `number_plan` win over both.
 */
import { readFile } from 'node:fs/promises';
import {
  MappingFileError,
  UnknownProfileError,
  isValidTimeZone,
  numberPlanProblem,
  parseMappingSpec,
  profileByName,
  type InputProfile,
  type MappingSpec,
  type NumberPlan,
} from '../codec/index.js';
import type { FeedConfig } from '../config/index.js';
import { UsageError } from '../shared/index.js';

export interface ProfileFlags {
  profile?: string;
  mappingPath?: string;
  timeZone?: string;
  countryCode?: string;
  trunkPrefix?: string;
}

export const PROFILE_FLAGS_USAGE = `  --profile NAME        input profile: contract, freeswitch, asterisk-csv, seed-csv, mapping (docs/feeds.md)
  --mapping FILE        mapping file (JSON or YAML) for --profile mapping
  --time-zone ZONE      IANA zone of times written without one (default UTC)
  --country-code CC     country calling code: national numbers become E.164 (e.g. 234)
  --trunk-prefix P      national trunk prefix replaced by the country code (default 0)`;

/** Reads one profile flag into `flags`; false when `flag` is not one of them. Throws UsageError for bad values. */
export function readProfileFlag(flag: string, value: () => string | undefined, flags: ProfileFlags): boolean {
  switch (flag) {
    case '--profile': {
      const name = value();
      if (name === undefined || name === '') throw new UsageError('--profile needs a profile name');
      flags.profile = name;
      return true;
    }
    case '--mapping': {
      const path = value();
      if (path === undefined || path === '') throw new UsageError('--mapping needs a file');
      flags.mappingPath = path;
      return true;
    }
    case '--time-zone': {
      const zone = value() ?? '';
      if (!isValidTimeZone(zone))
        throw new UsageError(`--time-zone: unknown IANA zone ${JSON.stringify(zone)}`);
      flags.timeZone = zone;
      return true;
    }
    case '--country-code': {
      const code = (value() ?? '').replace(/^\+/, '');
      if (numberPlanProblem({ countryCode: code }) !== undefined)
        throw new UsageError(
          `--country-code needs 1-3 digits not starting with 0, got ${JSON.stringify(code)}`,
        );
      flags.countryCode = code;
      return true;
    }
    case '--trunk-prefix': {
      const prefix = value() ?? '';
      if (numberPlanProblem({ trunkPrefix: prefix }) !== undefined)
        throw new UsageError(`--trunk-prefix needs 1-4 digits, got ${JSON.stringify(prefix)}`);
      flags.trunkPrefix = prefix;
      return true;
    }
    default:
      return false;
  }
}

async function readMapping(path: string): Promise<MappingSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--mapping: cannot read ${path}`, { cause: error });
  }
  try {
    return parseMappingSpec(text, path);
  } catch (error) {
    if (error instanceof MappingFileError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

/**
 * Builds the profile the flags name (`flags.profile` must be set). `feed` gives the deployment's defaults and
 * its configured mapping files, so `--profile mediation` finds FEED_PROFILES' mapping of that name.
 */
export async function profileFromFlags(
  flags: ProfileFlags,
  feed: Pick<FeedConfig, 'timeZone' | 'numberPlan' | 'profiles'> | undefined,
  nowMs: number,
): Promise<InputProfile> {
  const name = flags.profile ?? 'contract';
  const mapping =
    flags.mappingPath !== undefined
      ? await readMapping(flags.mappingPath)
      : feed?.profiles.find((entry) => entry.name === name && entry.mapping !== undefined)?.mapping;
  const numberPlan: NumberPlan = { ...feed?.numberPlan };
  if (flags.countryCode !== undefined) numberPlan.countryCode = flags.countryCode;
  if (flags.trunkPrefix !== undefined) numberPlan.trunkPrefix = flags.trunkPrefix;
  try {
    return profileByName(name, {
      timeZone: flags.timeZone ?? feed?.timeZone ?? 'UTC',
      numberPlan,
      mapping,
      nowMs,
    });
  } catch (error) {
    if (error instanceof UnknownProfileError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}
