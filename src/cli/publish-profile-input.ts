/**
 * `sentinel publish --profile NAME`: the switch's own records are converted to the contract on the client,
 * checked by the engine's validator, and published partitioned to `cdr.in.<p>` with Msg-Id = call_id — the same
 * result as the engine's feed normaliser, without the server-side hop. JSON profiles read any stream of JSON
 * values (NDJSON, or mod_json_cdr files concatenated with `cat`, newline or not); CSV profiles read CSV, with a
 * header row when the profile has one.
 */
import { Readable as ReadableStream } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as parseCsv } from 'csv-parse';
import {
  convertCsvFields,
  convertRecordBytes,
  headerMap,
  maxRecordBytesOf,
  splitJsonValues,
  type Cdr,
  type CsvInputProfile,
  type DecodeResult,
  type InputProfile,
  type JsonInputProfile,
} from '../codec/index.js';
/** Where converted records go: the CDR publisher, or a dry run's counter. */
interface CdrSink {
  publishCdr(cdr: Cdr): Promise<void>;
}
import { UsageError } from '../shared/index.js';

export interface ProfileRunState {
  /** Counts a record read. */
  record(): void;
  /** Records an invalid record with its `Record N` / `Row N` text. */
  invalid(text: string): void;
}

function describe(result: Extract<DecodeResult, { ok: false }>): string {
  return `${result.reason}${result.field === undefined ? '' : ` (${result.field})`}: ${result.message}`;
}

async function publishJsonValues(
  chunks: AsyncIterable<unknown>,
  profile: JsonInputProfile,
  publisher: CdrSink,
  state: ProfileRunState,
  pace: () => Promise<void>,
): Promise<void> {
  for await (const value of splitJsonValues(chunks, maxRecordBytesOf(profile) + 1)) {
    state.record();
    const converted = convertRecordBytes(profile, value.bytes);
    if (!converted.ok) {
      state.invalid(`Record ${value.index} (line ${value.line}): ${describe(converted)}`);
      continue;
    }
    await pace();
    await publisher.publishCdr(converted.cdr);
  }
}

async function publishCsvRows(
  chunks: AsyncIterable<unknown>,
  profile: CsvInputProfile,
  publisher: CdrSink,
  state: ProfileRunState,
  pace: () => Promise<void>,
): Promise<void> {
  const parser = parseCsv({
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    max_record_size: 65_536,
  });
  // pipeline, not pipe: a read error must reach the parser (and so the loop below) instead of hanging it.
  const pumped = pipeline(ReadableStream.from(chunks), parser).then(
    () => undefined,
    (error: unknown) => error,
  );
  let header: Map<string, number> | undefined;
  let row = 0;
  for await (const values of parser as AsyncIterable<string[]>) {
    if (profile.hasHeader && header === undefined) {
      header = headerMap(values);
      const problem = profile.checkHeader?.(header);
      if (problem !== undefined) throw new UsageError(`CSV header: ${problem}`);
      continue;
    }
    row++;
    state.record();
    const converted = convertCsvFields(profile, values, header);
    if (!converted.ok) {
      state.invalid(`Row ${row}: ${describe(converted)}`);
      continue;
    }
    await pace();
    await publisher.publishCdr(converted.cdr);
  }
  const pumpError = await pumped;
  if (pumpError !== undefined) throw pumpError;
  if (profile.hasHeader && header === undefined)
    throw new UsageError('CSV input is empty: expected a header row');
}

/** Converts and publishes everything in `chunks` through `profile`. Throws UsageError for unusable input. */
export async function publishThroughProfile(
  chunks: AsyncIterable<unknown>,
  profile: InputProfile,
  publisher: CdrSink,
  state: ProfileRunState,
  pace: () => Promise<void>,
): Promise<void> {
  if (profile.format === 'json') await publishJsonValues(chunks, profile, publisher, state, pace);
  else await publishCsvRows(chunks, profile, publisher, state, pace);
}
