/**
 * The input profiles by name. Every place that picks a profile — `sentinel publish --profile`, `POST /ingest
 * ?profile=`, the feed normaliser's `FEED_PROFILES`, `sentinel dlq replay --profile` — goes through
 * `profileByName`, so a profile added to `INPUT_PROFILES` is available everywhere at once.
 */
import { kamailioJsonProfile } from './kamailio-json.js';
import { UnknownProfileError } from '../codec-errors.js';
import { AsteriskCsvProfile } from './asterisk-csv.js';
import { ContractJsonProfile } from './contract-json.js';
import { FreeswitchJsonProfile } from './freeswitch-json.js';
import type { InputProfile, ProfileOptions } from './input-profile.js';
import { MappingJsonProfile } from './mapping-json.js';
import { SeedCsvProfile } from './seed-csv.js';

export interface ProfileEntry {
  readonly name: string;
  readonly format: 'json' | 'csv';
  /**
   * Whether one message can carry one record on its own (feed subjects, dead-letter replays). A CSV profile
   * that needs its header row cannot: the header is in no message.
   */
  readonly perRecord: boolean;
  /** One line for usage texts and docs. */
  readonly summary: string;
  /** Throws UnknownProfileError when the profile cannot be built (missing mapping, not in this build). */
  create(options: ProfileOptions): InputProfile;
}

/** Every profile this build knows. Adding one is one entry here. */
export const INPUT_PROFILES: readonly ProfileEntry[] = [
  {
    name: 'contract',
    format: 'json',
    perRecord: true,
    summary: "Sentinel's own CDR JSON",
    create: () => new ContractJsonProfile(),
  },
  {
    name: 'freeswitch',
    format: 'json',
    perRecord: true,
    summary: 'FreeSWITCH mod_json_cdr, one JSON document per call leg',
    create: (options) => new FreeswitchJsonProfile(options),
  },
  {
    name: 'asterisk-csv',
    format: 'csv',
    perRecord: true,
    summary: 'Asterisk cdr_csv Master.csv, no header row',
    create: (options) => new AsteriskCsvProfile(options),
  },
  {
    name: 'seed-csv',
    format: 'csv',
    perRecord: false,
    summary: "the predecessor's CSV with a header row",
    create: (options) => new SeedCsvProfile(options),
  },
  {
    name: 'mapping',
    format: 'json',
    perRecord: true,
    summary: 'any JSON through a mapping file',
    create: (options) => {
      if (options.mapping === undefined)
        throw new UnknownProfileError('mapping', 'the mapping profile needs a mapping file (--mapping FILE)');
      return new MappingJsonProfile(options.mapping, options);
    },
  },
  {
    name: 'kamailio',
    format: 'json',
    perRecord: true,
    summary: 'the JSON the shipped Kamailio configuration publishes (deploy/kamailio)',
    create: () => kamailioJsonProfile,
  },
];

export const PROFILE_NAMES: readonly string[] = INPUT_PROFILES.map((entry) => entry.name);

/**
 * The registry entry for `name`: a built-in profile, or the mapping named `name` in `options.mapping` (a
 * mapping file's `name` becomes a profile name of its own). Undefined when unknown.
 */
export function profileEntry(name: string, options: ProfileOptions = {}): ProfileEntry | undefined {
  const builtIn = INPUT_PROFILES.find((entry) => entry.name === name);
  if (builtIn !== undefined) return builtIn;
  if (options.mapping?.name === name) return INPUT_PROFILES.find((entry) => entry.name === 'mapping');
  return undefined;
}

/**
 * Builds the profile called `name` with `options`. Throws UnknownProfileError (unknown, or not buildable:
 * `mapping` without a mapping file) and InvalidTimeZoneError for a bad zone.
 */
export function profileByName(name: string, options: ProfileOptions = {}): InputProfile {
  const entry = profileEntry(name, options);
  if (entry === undefined) {
    const known = [...PROFILE_NAMES, ...(options.mapping === undefined ? [] : [options.mapping.name])];
    throw new UnknownProfileError(
      name,
      `unknown input profile ${JSON.stringify(name)} (known: ${known.join(', ')})`,
    );
  }
  return entry.create(options);
}

/** Undefined when `name` can name a mapping profile; otherwise why not (it would shadow a built-in). */
export function mappingNameProblem(name: string): string | undefined {
  return name !== 'mapping' && PROFILE_NAMES.includes(name)
    ? `${JSON.stringify(name)} is the name of a built-in profile; give the mapping another name`
    : undefined;
}
