/**
 * CSV in the predecessor's format → CDRs, for the HTTP upload (inside a piscina worker) and `sentinel publish`.
 *
 * Columns (header row, any order, case-insensitive): `call_date` (YYYY-MM-DD), `call_time` (HH:MM:SS),
 * `caller_number`, `callee_number`, `duration_seconds`, and optionally `call_direction`,
 * `termination_cause` (Q.850 number), `location_code` (→ `cell`). Dates carry no zone: they are read in a
 * configurable IANA zone (default UTC). Errors read `Row N: reason`, N counting data rows from 1 like the
 * predecessor. Each record gets a `call_id` derived from its content, so uploading the same file twice
 * publishes the same ids and JetStream / the sink drop the repeats.
 *
 * Only `node:crypto`, `Intl` and csv-parse: no I/O, so it runs unchanged in a worker thread.
 */
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import {
  DEFAULT_MAX_FUTURE_SKEW_MS,
  MAX_DURATION_SECONDS,
  MAX_SHORT_TEXT_LENGTH,
  MIN_START_MS,
  type CallDirection,
  type Cdr,
  type CdrJson,
  type CdrReason,
} from '../cdr.js';
import { validateCdrObject } from '../cdr-decoder.js';
import { isPrintableText, parsePhoneDigits } from '../cdr-fields.js';
import { validCivilFields } from '../time/iso-time.js';
import { createZonedClock, type ZonedClock } from '../time/zoned-time.js';

export const CSV_REQUIRED_COLUMNS = [
  'call_date',
  'call_time',
  'caller_number',
  'callee_number',
  'duration_seconds',
] as const;
export const CSV_OPTIONAL_COLUMNS = ['call_direction', 'termination_cause', 'location_code'] as const;
type CsvColumn = (typeof CSV_REQUIRED_COLUMNS)[number] | (typeof CSV_OPTIONAL_COLUMNS)[number];

export interface CsvCdrOptions {
  /** IANA zone the zone-less `call_date`/`call_time` are read in. @default 'UTC' */
  timeZone?: string;
  /** Clock for the future-skew check, read once per conversion. @default Date.now() */
  nowMs?: number;
  /** Rows starting further than this ahead of now are rejected. @default 3_600_000 (one hour) */
  maxFutureSkewMs?: number;
  /** Prefix of the derived `call_id`. @default 'csv-' */
  callIdPrefix?: string;
}

export interface CsvCdrRecord {
  /** Data row number, from 1. */
  row: number;
  cdr: Cdr;
  json: CdrJson;
}

export type CsvRowResult =
  | { ok: true; record: CsvCdrRecord }
  | {
      ok: false;
      row: number;
      /** `Row N: message`, the predecessor's wording. */
      error: string;
      /** The message without the row number. */
      message: string;
      reason: CdrReason;
      /** The contract field the problem is in, when there is one. */
      field: string | undefined;
    };

/** Contract field and reason of each seed column's problems. */
const COLUMN_PROBLEMS: Record<CsvColumn, { field: string; reason: CdrReason }> = {
  call_date: { field: 'start', reason: 'invalid_start' },
  call_time: { field: 'start', reason: 'invalid_start' },
  caller_number: { field: 'caller', reason: 'invalid_caller' },
  callee_number: { field: 'callee', reason: 'invalid_callee' },
  duration_seconds: { field: 'duration', reason: 'bad_duration' },
  call_direction: { field: 'direction', reason: 'invalid_optional_field' },
  termination_cause: { field: 'cause', reason: 'invalid_optional_field' },
  location_code: { field: 'cell', reason: 'invalid_optional_field' },
};

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_PATTERN = /^(\d{1,2}):(\d{2}):(\d{2})$/;
const WHOLE_NUMBER_PATTERN = /^\d{1,9}(\.0*)?$/;

/** Long cell values are cut in messages so one bad row cannot make an error list huge. */
function shown(text: string): string {
  return text.length <= 40 ? text : `${text.slice(0, 40)}…`;
}

/** Converts the data rows of one CSV, given its header. Create with `CsvCdrConverter.forHeader`. */
export class CsvCdrConverter {
  private readonly clock: ZonedClock;
  private readonly nowMs: number;
  private readonly maxFutureSkewMs: number;
  private readonly callIdPrefix: string;

  private constructor(
    private readonly columnIndex: Readonly<Record<CsvColumn, number>>,
    options: CsvCdrOptions,
  ) {
    this.clock = createZonedClock(options.timeZone ?? 'UTC');
    this.nowMs = options.nowMs ?? Date.now();
    this.maxFutureSkewMs = options.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;
    this.callIdPrefix = options.callIdPrefix ?? 'csv-';
  }

  /**
   * A converter for this header, or the reason the header cannot be used (missing required columns).
   * Throws InvalidTimeZoneError for an unknown `timeZone` (a configuration fault, not a data fault).
   */
  static forHeader(
    header: readonly string[],
    options: CsvCdrOptions = {},
  ): CsvCdrConverter | { error: string } {
    const names = header.map((name) =>
      name
        .replace(/^\uFEFF/, '')
        .trim()
        .toLowerCase(),
    );
    const index = {} as Record<CsvColumn, number>;
    for (const column of [...CSV_REQUIRED_COLUMNS, ...CSV_OPTIONAL_COLUMNS])
      index[column] = names.indexOf(column);
    const missing = CSV_REQUIRED_COLUMNS.filter((column) => index[column] < 0);
    if (missing.length > 0) return { error: `Missing required columns: ${missing.join(', ')}` };
    return new CsvCdrConverter(index, options);
  }

  /** Converts one data row; `row` is its number counting data rows from 1. Never throws. */
  convert(values: readonly string[], row: number): CsvRowResult {
    const cell = (column: CsvColumn): string => {
      const at = this.columnIndex[column];
      return at < 0 ? '' : (values[at] ?? '').trim();
    };
    const fail = (message: string, column: CsvColumn, reason?: CdrReason): CsvRowResult => ({
      ok: false,
      row,
      error: `Row ${row}: ${message}`,
      message,
      reason: reason ?? COLUMN_PROBLEMS[column].reason,
      field: COLUMN_PROBLEMS[column].field,
    });

    for (const column of CSV_REQUIRED_COLUMNS)
      if (cell(column) === '') return fail(`Missing ${column}`, column, 'missing_field');
    const dateText = cell('call_date');
    const timeText = cell('call_time');
    const date = DATE_PATTERN.exec(dateText);
    if (date === null)
      return fail(`Invalid call_date: ${shown(dateText)} (expected YYYY-MM-DD)`, 'call_date');
    const time = TIME_PATTERN.exec(timeText);
    if (time === null) return fail(`Invalid call_time: ${shown(timeText)} (expected HH:MM:SS)`, 'call_time');
    const civil = {
      year: Number(date[1]),
      month: Number(date[2]),
      day: Number(date[3]),
      hour: Number(time[1]),
      minute: Number(time[2]),
      second: Number(time[3]),
    };
    if (!validCivilFields(civil.year, civil.month, civil.day, 0, 0, 0)) {
      return fail(`Invalid call_date: ${shown(dateText)} (expected YYYY-MM-DD)`, 'call_date');
    }
    if (!validCivilFields(2000, 1, 1, civil.hour, civil.minute, civil.second)) {
      return fail(`Invalid call_time: ${shown(timeText)} (expected HH:MM:SS)`, 'call_time');
    }
    const startMs = this.clock(civil);
    if (startMs < MIN_START_MS) return fail(`call_date ${dateText} is before 2000-01-01`, 'call_date');
    if (startMs > this.nowMs + this.maxFutureSkewMs)
      return fail(
        `call_date/call_time ${dateText} ${timeText} is in the future`,
        'call_date',
        'start_in_future',
      );

    const callerText = cell('caller_number');
    const caller = parsePhoneDigits(callerText);
    if (caller < 0)
      return fail(`Invalid phone number format: ${shown(callerText)} (caller_number)`, 'caller_number');
    const calleeText = cell('callee_number');
    const callee = parsePhoneDigits(calleeText);
    if (callee < 0)
      return fail(`Invalid phone number format: ${shown(calleeText)} (callee_number)`, 'callee_number');

    const durationText = cell('duration_seconds');
    const duration = WHOLE_NUMBER_PATTERN.test(durationText) ? Number(durationText) : -1;
    if (duration < 0 || duration > MAX_DURATION_SECONDS) {
      return fail(
        `Invalid duration_seconds: ${shown(durationText)} (expected whole seconds 0..${MAX_DURATION_SECONDS})`,
        'duration_seconds',
      );
    }

    const optional = this.readOptional(cell);
    if ('problem' in optional) return fail(optional.problem, optional.column);

    const json: CdrJson = {
      call_id: this.callId(startMs, caller, callee, duration, optional),
      caller: String(caller),
      callee: String(callee),
      start: new Date(startMs).toISOString(),
      duration,
    };
    if (optional.direction !== undefined) json.direction = optional.direction;
    if (optional.cause !== undefined) json.cause = optional.cause;
    if (optional.cell !== undefined) json.cell = optional.cell;
    // The same rules the engine applies to what switches send: a row accepted here is never dead-lettered.
    const checked = validateCdrObject(json, { nowMs: this.nowMs, maxFutureSkewMs: this.maxFutureSkewMs });
    if (!checked.ok) {
      const { message, reason, field } = checked;
      return { ok: false, row, error: `Row ${row}: ${message}`, message, reason, field };
    }
    return { ok: true, record: { row, cdr: checked.cdr, json } };
  }

  private readOptional(
    cell: (column: CsvColumn) => string,
  ): { problem: string; column: CsvColumn } | { direction?: CallDirection; cause?: number; cell?: string } {
    const result: { direction?: CallDirection; cause?: number; cell?: string } = {};
    const directionText = cell('call_direction');
    if (directionText !== '') {
      const direction = directionText.toLowerCase();
      if (direction !== 'inbound' && direction !== 'outbound') {
        const problem = `Invalid call_direction: ${shown(directionText)} (expected inbound or outbound)`;
        return { problem, column: 'call_direction' };
      }
      result.direction = direction;
    }
    const causeText = cell('termination_cause');
    if (causeText !== '') {
      const cause = WHOLE_NUMBER_PATTERN.test(causeText) ? Number(causeText) : -1;
      if (cause < 0 || cause > 127) {
        const problem = `Invalid termination_cause: ${shown(causeText)} (expected a Q.850 cause 0..127)`;
        return { problem, column: 'termination_cause' };
      }
      result.cause = cause;
    }
    const location = cell('location_code');
    if (location !== '') {
      if (!isPrintableText(location, MAX_SHORT_TEXT_LENGTH)) {
        const problem = `Invalid location_code: ${shown(location)} (expected up to ${MAX_SHORT_TEXT_LENGTH} printable characters)`;
        return { problem, column: 'location_code' };
      }
      result.cell = location;
    }
    return result;
  }

  /** Content-derived id: the same row always gets the same id, so re-uploads deduplicate. */
  private callId(
    startMs: number,
    caller: number,
    callee: number,
    duration: number,
    optional: { direction?: CallDirection; cause?: number; cell?: string },
  ): string {
    const key = `${startMs}|${caller}|${callee}|${duration}|${optional.direction ?? ''}|${optional.cause ?? ''}|${optional.cell ?? ''}`;
    return this.callIdPrefix + createHash('sha256').update(key).digest('hex').slice(0, 32);
  }
}

export interface CsvConversion {
  records: CsvCdrRecord[];
  /** `Row N: reason` for the first `maxErrors` bad rows. */
  errors: string[];
  /** Every bad row, including those beyond `maxErrors`. */
  errorCount: number;
  /** Data rows seen (blank lines are skipped and not counted). */
  rowCount: number;
  /** Set when nothing could be read: bad CSV syntax or a header without the required columns. */
  fileError: string | undefined;
}

export interface CsvConversionOptions extends CsvCdrOptions {
  /** Error messages kept; the count continues past it. @default 1_000 */
  maxErrors?: number;
}

/** Converts already-parsed rows (`rows[0]` is the header). Pure; never throws for bad data. */
export function csvRowsToCdrs(
  rows: readonly (readonly string[])[],
  options: CsvConversionOptions = {},
): CsvConversion {
  const maxErrors = options.maxErrors ?? 1_000;
  const result: CsvConversion = { records: [], errors: [], errorCount: 0, rowCount: 0, fileError: undefined };
  const header = rows[0];
  if (header === undefined) return { ...result, fileError: 'CSV is empty: expected a header row' };
  const converter = CsvCdrConverter.forHeader(header, options);
  if (!(converter instanceof CsvCdrConverter)) return { ...result, fileError: converter.error };
  for (let i = 1; i < rows.length; i++) {
    const converted = converter.convert(rows[i] ?? [], i);
    result.rowCount++;
    if (converted.ok) {
      result.records.push(converted.record);
    } else {
      result.errorCount++;
      if (result.errors.length < maxErrors) result.errors.push(converted.error);
    }
  }
  return result;
}

/** Parses CSV text (UTF-8, optional BOM) with csv-parse and converts it. Never throws for bad data. */
export function parseCdrCsv(input: string | Uint8Array, options: CsvConversionOptions = {}): CsvConversion {
  let rows: string[][];
  try {
    rows = parse(
      typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength),
      {
        bom: true,
        skip_empty_lines: true,
        relax_column_count: true,
      },
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      records: [],
      errors: [],
      errorCount: 0,
      rowCount: 0,
      fileError: `CSV could not be parsed: ${message}`,
    };
  }
  return csvRowsToCdrs(rows, options);
}
