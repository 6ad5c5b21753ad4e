/**
 * Input profiles: how a switch's own output maps onto the CDR contract. A profile turns one raw record — a
 * parsed JSON object, or one CSV row — into a contract record (the wire field names of `CdrJson`, values as
 * the switch wrote them, strings included); the contract's lenient validator then makes the `Cdr`, so every
 * profile shares one set of rules, one set of reason codes and one dead-letter path.
 */
import type { CdrJson, CdrReason } from '../cdr.js';

/** A record in the contract's field names; values are not validated yet. */
export type ContractRecord = { [K in keyof CdrJson]?: unknown };

export type ProfileOutcome =
  | { ok: true; record: ContractRecord }
  | { ok: false; reason: CdrReason; field: string | undefined; message: string };

/** A profile for switches that write one JSON object per record (nested objects allowed). */
export interface JsonInputProfile {
  readonly name: string;
  readonly format: 'json';
  fromJson(value: Record<string, unknown>): ProfileOutcome;
}

/** A profile for switches that write CSV; `header` maps lower-case column names to positions when present. */
export interface CsvInputProfile {
  readonly name: string;
  readonly format: 'csv';
  /** Whether the first row names the columns (`Master.csv` has no header row). */
  readonly hasHeader: boolean;
  fromRow(fields: readonly string[], header: ReadonlyMap<string, number> | undefined): ProfileOutcome;
}

export type InputProfile = JsonInputProfile | CsvInputProfile;
