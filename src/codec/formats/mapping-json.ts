/**
 * The `mapping` profile: reads JSON records (flat or nested) through a mapping file (mapping-spec.ts). Follows
 * no vendor document: it is how an operator describes a mediation format, checked by `parseMappingSpec`.
 *
 * Per field: the first path with a non-empty value, else `constant`, else `default`. caller and callee go
 * through the numbering plan (the file's, else the deployment's); start through the field's time format and
 * zone; duration is rounded to whole seconds (`unit: ms` divides first); `values` tables translate codes
 * (`MO` → `outbound`). Text that cannot be read the way the mapping says is passed on as it is, so the
 * contract validator rejects the record with its usual reason — except a start the format cannot read, which
 * is rejected here with the path and the format in the message. Without a call_id mapping the id is a hash
 * of caller, callee, start and duration: the same record always gets the same id.
 */
import { normaliseNumber, type NumberPlan } from '../number-normaliser.js';
import { createTimeReader, type TimeReader } from '../time/time-formats.js';
import { contentCallId, presentText, wholeNumberOr } from './field-values.js';
import type { ContractRecord, JsonInputProfile, ProfileOptions, ProfileOutcome } from './input-profile.js';
import { compileJsonPath, resolveJsonPath, type JsonPath } from './json-path.js';
import type { FieldMapping, MappedField, MappingScalar, MappingSpec } from './mapping-spec.js';

/** Mediation records are small, but nested exports can carry a lot; 64 KiB. */
const MAX_MAPPED_RECORD_BYTES = 65_536;
const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 't']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'f']);

interface CompiledField {
  mapping: FieldMapping;
  paths: JsonPath[];
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function lookup(values: Record<string, MappingScalar> | undefined, raw: unknown): unknown {
  if (
    values === undefined ||
    (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean')
  )
    return raw;
  const key = String(raw).trim();
  if (key in values) return values[key];
  const folded = Object.keys(values).find((candidate) => candidate.toLowerCase() === key.toLowerCase());
  return folded === undefined ? raw : values[folded];
}

function booleanOf(value: unknown): unknown {
  if (typeof value === 'boolean') return value;
  const text = presentText(value)?.toLowerCase();
  if (text !== undefined && TRUE_WORDS.has(text)) return true;
  if (text !== undefined && FALSE_WORDS.has(text)) return false;
  return value;
}

export class MappingJsonProfile implements JsonInputProfile {
  readonly name: string;
  readonly format = 'json';
  readonly maxRecordBytes = MAX_MAPPED_RECORD_BYTES;
  private readonly fields = new Map<MappedField, CompiledField>();
  private readonly readStart: TimeReader;
  private readonly startFormat: string;
  private readonly numberPlan: NumberPlan;

  /** Throws InvalidTimeZoneError for an unknown zone (a validated spec has none). */
  constructor(spec: MappingSpec, options: ProfileOptions = {}) {
    this.name = spec.name;
    for (const [field, mapping] of Object.entries(spec.fields) as [MappedField, FieldMapping][]) {
      const paths = mapping.paths.map((path) => {
        const compiled = compileJsonPath(path);
        if (typeof compiled === 'string') throw new RangeError(`fields.${field}: ${compiled}`);
        return compiled;
      });
      this.fields.set(field, { mapping, paths });
    }
    const start = spec.fields.start;
    this.startFormat = start?.format ?? 'iso';
    this.readStart = createTimeReader(
      this.startFormat,
      start?.timeZone ?? spec.timeZone ?? options.timeZone ?? 'UTC',
    );
    this.numberPlan = spec.numberPlan ?? options.numberPlan ?? {};
  }

  fromJson(value: Record<string, unknown>): ProfileOutcome {
    const record: ContractRecord = {};
    for (const [field, compiled] of this.fields) {
      const raw = this.rawValue(value, compiled);
      if (raw === undefined) continue;
      if (field === 'start') {
        const startMs = this.readStart(raw);
        if (Number.isNaN(startMs)) {
          return {
            ok: false,
            reason: 'invalid_start',
            field: 'start',
            message: `start ${JSON.stringify(String(raw).slice(0, 40))} does not match the format ${this.startFormat}`,
          };
        }
        record.start = startMs;
        continue;
      }
      record[field] = this.convert(field, compiled.mapping, raw);
    }
    if (record.call_id === undefined && !this.fields.has('call_id')) {
      record.call_id = contentCallId('map-', [
        String(record.caller),
        String(record.callee),
        String(record.start),
        String(record.duration),
      ]);
    }
    return { ok: true, record };
  }

  private rawValue(record: Record<string, unknown>, compiled: CompiledField): unknown {
    for (const path of compiled.paths) {
      const found = resolveJsonPath(record, path);
      if (!isEmpty(found)) return found;
    }
    return compiled.mapping.constant ?? compiled.mapping.default;
  }

  private convert(field: MappedField, mapping: FieldMapping, raw: unknown): unknown {
    const value = lookup(mapping.values, raw);
    switch (field) {
      case 'caller':
      case 'callee': {
        const text = presentText(value);
        if (text === undefined) return value;
        return mapping.normalise === false ? text : normaliseNumber(text, this.numberPlan);
      }
      case 'duration': {
        const number = typeof value === 'number' ? value : Number(presentText(value) ?? Number.NaN);
        if (!Number.isFinite(number)) return value;
        return Math.round(mapping.unit === 'ms' ? number / 1_000 : number);
      }
      case 'answered':
        return booleanOf(value);
      case 'direction':
        return typeof value === 'string' ? value.trim().toLowerCase() : value;
      case 'cause':
        return wholeNumberOr(value);
      default:
        return typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : value;
    }
  }
}
