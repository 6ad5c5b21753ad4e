/**
 * Input profiles: how a switch's own output maps onto the CDR contract. A profile turns one raw record — a
 * parsed JSON object, or one CSV row — into a contract record (the wire field names of `CdrJson`, values as
 * the switch wrote them, strings included); the contract's lenient validator then makes the `Cdr`, so every
 * profile shares one set of rules, one set of reason codes and one dead-letter path.
 *
 * Profiles are built by `profileByName(name, options)` (profile-registry.ts) from `ProfileOptions`: the zone of
 * zone-less times, the numbering plan, a mapping file. Whatever a profile converts it may also normalise
 * (national numbers to E.164, epoch strings to milliseconds) when the contract cannot know how; everything
 * else it leaves to the validator.
 */
import type { CdrJson, CdrReason } from '../cdr.js';
import type { NumberPlan } from '../number-normaliser.js';
import type { MappingSpec } from './mapping-spec.js';

/** A record in the contract's field names; values are not validated yet. */
export type ContractRecord = { [K in keyof CdrJson]?: unknown };

export type ProfileOutcome =
  | { ok: true; record: ContractRecord }
  | { ok: false; reason: CdrReason; field: string | undefined; message: string };

/** What a profile may need to know about the deployment; every field is optional. */
export interface ProfileOptions {
  /** IANA zone of times written without one (Asterisk's local `start`, mapping patterns). @default 'UTC' */
  timeZone?: string | undefined;
  /** How national numbers become E.164. @default no country code: only `+` and `00` are stripped */
  numberPlan?: NumberPlan | undefined;
  /** The parsed mapping file; required by the `mapping` profile, ignored by the others. */
  mapping?: MappingSpec | undefined;
  /** Clock of the seed CSV's future check (the contract validator has its own). @default Date.now() */
  nowMs?: number | undefined;
}

interface ProfileCommon {
  /** Registry name; also the feed subject token (`cdr.feed.<name>`) and the `Sentinel-Profile` header. */
  readonly name: string;
  /**
   * Largest raw record accepted, in bytes. A FreeSWITCH JSON CDR carries every channel variable and is
   * routinely 5–20 KB, far above the contract's 8 KiB. @default DEFAULT_MAX_CDR_BYTES
   */
  readonly maxRecordBytes?: number;
}

/** A profile for switches that write one JSON object per record (nested objects allowed). */
export interface JsonInputProfile extends ProfileCommon {
  readonly format: 'json';
  fromJson(value: Record<string, unknown>): ProfileOutcome;
}

/** A profile for switches that write CSV; `header` maps lower-case column names to positions when present. */
export interface CsvInputProfile extends ProfileCommon {
  readonly format: 'csv';
  /** Whether the first row names the columns (`Master.csv` has no header row). */
  readonly hasHeader: boolean;
  /**
   * For profiles with a header: why this header cannot be used (missing columns), or undefined. A bad header
   * is one file-level error, not an error on every row.
   */
  checkHeader?(header: ReadonlyMap<string, number>): string | undefined;
  fromRow(fields: readonly string[], header: ReadonlyMap<string, number> | undefined): ProfileOutcome;
}

export type InputProfile = JsonInputProfile | CsvInputProfile;
