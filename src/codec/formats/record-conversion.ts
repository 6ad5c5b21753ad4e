/**
 * Raw records → validated CDRs through an input profile: the one path shared by the feed normaliser (one NATS
 * message = one record), dead-letter replays, `sentinel publish --profile` and uploads. Whatever the profile
 * maps is checked by the contract's own validator (`validateCdrObject`), so a record converted here is never
 * dead-lettered by the shard workers later, and every rejection carries a `CdrReason`. Never throws for bad
 * data.
 */
import { parse as parseCsvSync } from 'csv-parse/sync';
import { DEFAULT_MAX_CDR_BYTES, type Cdr, type DecodeOptions, type DecodeResult } from '../cdr.js';
import { validateCdrObject } from '../cdr-decoder.js';
import type { CsvInputProfile, InputProfile, JsonInputProfile, ProfileOutcome } from './input-profile.js';
import { JsonValueScanner } from './json-values.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

type Rejection = Extract<DecodeResult, { ok: false }>;

function reject(reason: Rejection['reason'], message: string, field?: string): Rejection {
  return { ok: false, reason, field, message };
}

/** The largest raw record `profile` accepts. */
export function maxRecordBytesOf(profile: InputProfile): number {
  return profile.maxRecordBytes ?? DEFAULT_MAX_CDR_BYTES;
}

function finish(profile: InputProfile, read: () => ProfileOutcome, options?: DecodeOptions): DecodeResult {
  let outcome: ProfileOutcome;
  try {
    outcome = read();
  } catch (error) {
    // A profile that throws has a bug; the record still gets a reason and the feed keeps moving.
    const detail = error instanceof Error ? error.message : String(error);
    return reject('not_an_object', `the ${profile.name} profile could not read the record: ${detail}`);
  }
  return outcome.ok ? validateCdrObject(outcome.record, options) : outcome;
}

/** One parsed JSON value through a JSON profile. */
export function convertJsonValue(
  profile: JsonInputProfile,
  value: unknown,
  options?: DecodeOptions,
): DecodeResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject('not_an_object', `a ${profile.name} record must be a JSON object`);
  }
  return finish(profile, () => profile.fromJson(value as Record<string, unknown>), options);
}

/** One CSV row through a CSV profile; `header` maps lower-case column names to positions. */
export function convertCsvFields(
  profile: CsvInputProfile,
  fields: readonly string[],
  header: ReadonlyMap<string, number> | undefined,
  options?: DecodeOptions,
): DecodeResult {
  return finish(profile, () => profile.fromRow(fields, header), options);
}

/** Parses CSV text; the rows, or why it could not be read. */
function parseCsvText(text: string): string[][] | string {
  try {
    return parseCsvSync(text, { bom: true, skip_empty_lines: true, relax_column_count: true });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * One raw record — a feed message, a dead letter's bytes — through `profile`. JSON profiles take one JSON
 * object; CSV profiles take one CSV line (its line ending optional) and cannot need a header row.
 */
export function convertRecordBytes(
  profile: InputProfile,
  bytes: Uint8Array,
  options?: DecodeOptions,
): DecodeResult {
  const maxBytes = maxRecordBytesOf(profile);
  if (bytes.length > maxBytes) {
    return reject('too_large', `record is ${bytes.length} bytes; the ${profile.name} limit is ${maxBytes}`);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return reject('invalid_encoding', 'record is not valid UTF-8');
  }
  if (profile.format === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return reject('invalid_json', 'record is not valid JSON');
    }
    return convertJsonValue(profile, value, options);
  }
  if (profile.hasHeader) {
    return reject(
      'invalid_csv',
      `the ${profile.name} profile needs its header row, which a single record lacks`,
    );
  }
  const rows = parseCsvText(text);
  if (typeof rows === 'string') return reject('invalid_csv', `record is not valid CSV: ${rows}`);
  if (rows.length !== 1) return reject('invalid_csv', `expected one CSV record, got ${rows.length}`);
  return convertCsvFields(profile, rows[0] as string[], undefined, options);
}

export interface ConvertedRecord {
  /** Data row (CSV) or value (JSON) number, from 1. */
  row: number;
  cdr: Cdr;
}

export interface DocumentConversion {
  records: ConvertedRecord[];
  /** `Row N: message` for the first `maxErrors` bad records. */
  errors: string[];
  errorCount: number;
  /** Records seen (header and blank lines excluded). */
  rowCount: number;
  /** Why nothing could be read (CSV syntax, an unusable header), or undefined. */
  fileError: string | undefined;
}

export interface DocumentOptions {
  /** Row messages kept; the count goes on. @default 1_000 */
  maxErrors?: number;
  decode?: DecodeOptions;
}

/** Lower-case, trimmed header names → positions (a BOM on the first name dropped). */
export function headerMap(names: readonly string[]): Map<string, number> {
  const header = new Map<string, number>();
  names.forEach((name, at) => {
    const key = name
      .replace(/^\uFEFF/, '')
      .trim()
      .toLowerCase();
    if (!header.has(key)) header.set(key, at);
  });
  return header;
}

/**
 * A whole uploaded document through `profile`: CSV rows (after the header when the profile has one), or the
 * JSON values of NDJSON / concatenated JSON. Pure; never throws for bad data.
 */
export function convertDocument(
  profile: InputProfile,
  input: Uint8Array,
  options: DocumentOptions = {},
): DocumentConversion {
  const maxErrors = options.maxErrors ?? 1_000;
  const result: DocumentConversion = {
    records: [],
    errors: [],
    errorCount: 0,
    rowCount: 0,
    fileError: undefined,
  };
  const add = (row: number, converted: DecodeResult): void => {
    result.rowCount++;
    if (converted.ok) result.records.push({ row, cdr: converted.cdr });
    else {
      result.errorCount++;
      if (result.errors.length < maxErrors) result.errors.push(`Row ${row}: ${converted.message}`);
    }
  };
  if (profile.format === 'json') {
    const scanner = new JsonValueScanner(maxRecordBytesOf(profile) + 1);
    const buffer = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    for (const value of [...scanner.push(buffer), ...scanner.end()])
      add(value.index, convertRecordBytes(profile, value.bytes, options.decode));
    return result;
  }
  const rows = parseCsvText(Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8'));
  if (typeof rows === 'string') return { ...result, fileError: `CSV could not be parsed: ${rows}` };
  let header: Map<string, number> | undefined;
  let first = 0;
  if (profile.hasHeader) {
    const names = rows[0];
    if (names === undefined) return { ...result, fileError: 'CSV is empty: expected a header row' };
    header = headerMap(names);
    const problem = profile.checkHeader?.(header);
    if (problem !== undefined) return { ...result, fileError: problem };
    first = 1;
  }
  for (let i = first; i < rows.length; i++)
    add(i - first + 1, convertCsvFields(profile, rows[i] as string[], header, options.decode));
  return result;
}
