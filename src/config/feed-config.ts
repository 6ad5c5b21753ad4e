/**
 * The feed settings (docs/feeds.md, docs/config.md): which input profiles the engine's feed normaliser serves on
 * `cdr.feed.<profile>`, and what those profiles need to know about the network — the zone of zone-less times
 * and the numbering plan. The same settings are the defaults of uploads with `?profile=` and of
 * `sentinel dlq replay`. Each profile is built once here, so a bad name, an unavailable profile or a broken
 * mapping file stops start-up with a ConfigError naming FEED_PROFILES instead of failing on the first record.
 */
import {
  MappingFileError,
  UnknownProfileError,
  isValidTimeZone,
  mappingNameProblem,
  numberPlanProblem,
  parseMappingSpec,
  profileByName,
  profileEntry,
  PROFILE_NAMES,
  type MappingSpec,
  type NumberPlan,
} from '../codec/index.js';
import { ConfigError } from './config-error.js';
import { parseList } from './env-parsers.js';

export interface FeedProfileConfig {
  /** Profile name: the feed subject is `cdr.feed.<name>`, and `Sentinel-Profile` carries it. */
  name: string;
  /** The registry profile it is built from (`mapping` for mapping files). */
  profile: string;
  /** Mapping profiles: the file it was read from, and its parsed content. */
  mappingPath?: string;
  mapping?: MappingSpec;
}

export interface FeedConfig {
  /** Profiles served on `cdr.feed.<name>`; empty: no feed normaliser runs. */
  profiles: FeedProfileConfig[];
  /** Zone of times written without one (Asterisk's Master.csv, mapping patterns). @default 'UTC' */
  timeZone: string;
  numberPlan: NumberPlan;
}

const FEED_PROFILE_CHOICES =
  'a list of contract, freeswitch, asterisk-csv, kamailio or mapping:/path/to/file.yaml';

function readMapping(entry: string, path: string, readFile: (path: string) => string): MappingSpec {
  let text: string;
  try {
    text = readFile(path);
  } catch {
    throw new ConfigError('FEED_PROFILES', entry, `a readable mapping file at ${path}`);
  }
  try {
    return parseMappingSpec(text, path);
  } catch (error) {
    if (error instanceof MappingFileError)
      throw new ConfigError('FEED_PROFILES', entry, `a valid mapping file (${error.message})`);
    throw error;
  }
}

function feedProfile(entry: string, readFile: (path: string) => string): FeedProfileConfig {
  if (entry.startsWith('mapping:')) {
    const path = entry.slice('mapping:'.length);
    if (path === '') throw new ConfigError('FEED_PROFILES', entry, 'mapping:<path of a mapping file>');
    const mapping = readMapping(entry, path, readFile);
    const problem = mappingNameProblem(mapping.name);
    if (problem !== undefined)
      throw new ConfigError('FEED_PROFILES', entry, `a mapping whose name is free (${problem})`);
    return { name: mapping.name, profile: 'mapping', mappingPath: path, mapping };
  }
  const known = profileEntry(entry);
  if (known === undefined || known.name === 'mapping')
    throw new ConfigError(
      'FEED_PROFILES',
      entry,
      `${FEED_PROFILE_CHOICES} (known profiles: ${PROFILE_NAMES.join(', ')})`,
    );
  if (!known.perRecord)
    throw new ConfigError(
      'FEED_PROFILES',
      entry,
      `a profile that reads one record per message (${entry} needs a header row)`,
    );
  return { name: entry, profile: entry };
}

/** Reads FEED_PROFILES, FEED_TIME_ZONE, FEED_COUNTRY_CODE and FEED_TRUNK_PREFIX. Throws ConfigError. */
export function loadFeedConfig(
  read: (key: string) => string | undefined,
  readFile: (path: string) => string,
): FeedConfig {
  const timeZone = read('FEED_TIME_ZONE')?.trim() ?? 'UTC';
  if (!isValidTimeZone(timeZone))
    throw new ConfigError('FEED_TIME_ZONE', timeZone, 'an IANA time zone such as UTC or Africa/Lagos');
  const numberPlan: NumberPlan = {};
  const countryCode = read('FEED_COUNTRY_CODE')?.trim().replace(/^\+/, '');
  if (countryCode !== undefined) numberPlan.countryCode = countryCode;
  const trunkPrefix = read('FEED_TRUNK_PREFIX')?.trim();
  if (trunkPrefix !== undefined) numberPlan.trunkPrefix = trunkPrefix;
  const problem = numberPlanProblem(numberPlan);
  if (problem?.key === 'countryCode')
    throw new ConfigError(
      'FEED_COUNTRY_CODE',
      countryCode ?? '',
      'a country calling code of 1-3 digits, e.g. 234',
    );
  if (problem?.key === 'trunkPrefix')
    throw new ConfigError('FEED_TRUNK_PREFIX', trunkPrefix ?? '', 'a trunk prefix of 1-4 digits, e.g. 0');

  const profiles: FeedProfileConfig[] = [];
  for (const entry of parseList(read('FEED_PROFILES') ?? '')) {
    const profile = feedProfile(entry, readFile);
    if (profiles.some((other) => other.name === profile.name))
      throw new ConfigError('FEED_PROFILES', entry, `each profile once (${profile.name} appears twice)`);
    try {
      profileByName(profile.name, { timeZone, numberPlan, mapping: profile.mapping });
    } catch (error) {
      if (error instanceof UnknownProfileError)
        throw new ConfigError('FEED_PROFILES', entry, `an available profile (${error.message})`);
      throw error;
    }
    profiles.push(profile);
  }
  return { profiles, timeZone, numberPlan };
}
