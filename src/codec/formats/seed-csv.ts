/**
 * The `seed-csv` profile: the predecessor's CSV (docs/design.md §7), a header row and the columns
 * `call_date, call_time, caller_number, callee_number, duration_seconds[, call_direction, termination_cause,
 * location_code]`, dates zone-less (read in the configured zone, UTC by default). A thin wrapper over
 * `CsvCdrConverter`, which keeps the predecessor's wording of row errors and its content-derived call ids, so
 * an upload through the profile registry answers exactly as the upload did before profiles existed.
 */
import { createZonedClock } from '../time/zoned-time.js';
import { CsvCdrConverter } from './csv-cdr.js';
import type { CsvInputProfile, ProfileOptions, ProfileOutcome } from './input-profile.js';

function headerNames(header: ReadonlyMap<string, number>): string[] {
  const names: string[] = [];
  for (const [name, at] of header) names[at] = name;
  return Array.from(names, (name) => name ?? '');
}

export class SeedCsvProfile implements CsvInputProfile {
  readonly name = 'seed-csv';
  readonly format = 'csv';
  readonly hasHeader = true;
  /** One converter per header (a file has one), so column positions are resolved once. */
  private readonly converters = new WeakMap<ReadonlyMap<string, number>, CsvCdrConverter | string>();

  constructor(private readonly options: ProfileOptions = {}) {
    // Fail now, not on the first row, when the zone is unknown (InvalidTimeZoneError).
    createZonedClock(options.timeZone ?? 'UTC');
  }

  checkHeader(header: ReadonlyMap<string, number>): string | undefined {
    const converter = this.converterFor(header);
    return typeof converter === 'string' ? converter : undefined;
  }

  fromRow(fields: readonly string[], header: ReadonlyMap<string, number> | undefined): ProfileOutcome {
    if (header === undefined) {
      return {
        ok: false,
        reason: 'invalid_csv',
        field: undefined,
        message: 'the seed CSV needs its header row',
      };
    }
    const converter = this.converterFor(header);
    if (typeof converter === 'string')
      return { ok: false, reason: 'invalid_csv', field: undefined, message: converter };
    const converted = converter.convert(fields, 0);
    if (!converted.ok) {
      return { ok: false, reason: converted.reason, field: converted.field, message: converted.message };
    }
    return { ok: true, record: converted.record.json };
  }

  private converterFor(header: ReadonlyMap<string, number>): CsvCdrConverter | string {
    let converter = this.converters.get(header);
    if (converter === undefined) {
      const created = CsvCdrConverter.forHeader(headerNames(header), {
        timeZone: this.options.timeZone ?? 'UTC',
        ...(this.options.nowMs === undefined ? {} : { nowMs: this.options.nowMs }),
      });
      converter = created instanceof CsvCdrConverter ? created : created.error;
      this.converters.set(header, converter);
    }
    return converter;
  }
}
