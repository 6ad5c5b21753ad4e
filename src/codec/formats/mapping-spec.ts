/**
 * Mapping files: the declarative profile for mediation and switch JSON no built-in profile covers. A file (JSON
 * or YAML) names, for each contract field, where to find it in the record and how to read it:
 *
 * ```yaml
 * name: mediation            # profile name and feed subject token (cdr.feed.<name>); default "mapping"
 * time_zone: Africa/Lagos    # zone of times written without one; default the deployment's (UTC)
 * number_plan: { country_code: "234", trunk_prefix: "0", international_prefix: "00" }
 * fields:
 *   call_id: record.id                                   # a path as a plain string
 *   caller: { path: a_party.msisdn }
 *   callee: { paths: [b_party.msisdn, b_party.number] }  # first one present wins
 *   start: { path: times.setup, format: "YYYY-MM-DD HH:mm:ss" }
 *   duration: { path: charged_ms, unit: ms }
 *   answered: { path: status, values: { ANSWERED: true, NO_ANSWER: false } }
 *   switch: { constant: msc-lagos-1 }
 * ```
 *
 * Field keys: `path` or `paths` or `constant` (exactly one), `default`; `format` and `time_zone` (start only:
 * `iso`, `epoch_s`, `epoch_ms`, `epoch_us` or a pattern, see time-formats.ts); `unit` (duration only: `s` or
 * `ms`); `normalise` (caller/callee, default true); `values` (a lookup table, not for start/duration).
 * caller, callee, start and duration are required; without call_id a content hash is used. Validation is
 * complete and strict (unknown keys are errors: a typo must not silently map nothing) and every error names
 * the key. The result is plain data, so it can be handed to worker threads.
 */
import { parse as parseYaml } from 'yaml';
import { CDR_FIELDS } from '../cdr.js';
import { MappingFileError } from '../codec-errors.js';
import { numberPlanProblem, type NumberPlan } from '../number-normaliser.js';
import { timeFormatProblem } from '../time/time-formats.js';
import { isValidTimeZone } from '../time/zoned-time.js';
import { compileJsonPath } from './json-path.js';

export const MAPPED_FIELDS = Object.values(CDR_FIELDS);
export type MappedField = (typeof MAPPED_FIELDS)[number];
const REQUIRED_FIELDS: readonly MappedField[] = ['caller', 'callee', 'start', 'duration'];

export type MappingScalar = string | number | boolean;

export interface FieldMapping {
  /** Paths tried in order; the first with a non-empty value wins. Empty when `constant` is set. */
  paths: string[];
  constant?: MappingScalar;
  /** Used when no path has a value. */
  default?: MappingScalar;
  /** start: how the time is written. @default 'iso' */
  format?: string;
  /** start: zone of zone-less times; overrides the file's `time_zone`. */
  timeZone?: string;
  /** duration: seconds or milliseconds. @default 's' */
  unit?: 's' | 'ms';
  /** caller/callee: apply the numbering plan. @default true */
  normalise?: boolean;
  /** Raw value (as text) → contract value. */
  values?: Record<string, MappingScalar>;
}

export interface MappingSpec {
  /** Profile name; also the feed subject token. @default 'mapping' */
  name: string;
  timeZone?: string;
  numberPlan?: NumberPlan;
  fields: Partial<Record<MappedField, FieldMapping>>;
}

/** Names a mapping may take: a NATS subject token, lower case. */
export const MAPPING_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const TOP_KEYS = ['name', 'time_zone', 'number_plan', 'fields'] as const;
const PLAN_KEYS = {
  country_code: 'countryCode',
  trunk_prefix: 'trunkPrefix',
  international_prefix: 'internationalPrefix',
} as const;
const FIELD_KEYS = [
  'path',
  'paths',
  'constant',
  'default',
  'format',
  'time_zone',
  'unit',
  'normalise',
  'values',
];

type Fail = (key: string, problem: string) => never;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(value: Record<string, unknown>, allowed: readonly string[], at: string, fail: Fail): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`${at}${key}`, `unknown key (expected one of ${allowed.join(', ')})`);
  }
}

function scalar(value: unknown, key: string, fail: Fail): MappingScalar {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return fail(key, 'must be a string, number or boolean');
}

function readPaths(raw: Record<string, unknown>, at: string, fail: Fail): string[] {
  const list = raw.paths ?? (raw.path === undefined ? undefined : [raw.path]);
  if (list === undefined) return [];
  const key = raw.paths === undefined ? `${at}.path` : `${at}.paths`;
  if (!Array.isArray(list) || list.length === 0) fail(key, 'must be a non-empty list of paths');
  return (list as unknown[]).map((path, i) => {
    const where = raw.paths === undefined ? key : `${key}[${i}]`;
    if (typeof path !== 'string') return fail(where, 'must be a path such as a.b[0].c');
    const compiled = compileJsonPath(path);
    if (typeof compiled === 'string') fail(where, compiled);
    return path;
  });
}

function readField(field: MappedField, raw: unknown, fail: Fail): FieldMapping {
  const at = `fields.${field}`;
  if (typeof raw === 'string') raw = { path: raw };
  if (!isPlainObject(raw)) return fail(at, 'must be a path string or an object with path, paths or constant');
  checkKeys(raw, FIELD_KEYS, `${at}.`, fail);
  const sources = ['path', 'paths', 'constant'].filter((key) => raw[key] !== undefined);
  if (sources.length !== 1) fail(at, `needs exactly one of path, paths or constant (got ${sources.length})`);
  const mapping: FieldMapping = { paths: readPaths(raw, at, fail) };
  if (raw.constant !== undefined) mapping.constant = scalar(raw.constant, `${at}.constant`, fail);
  if (raw.default !== undefined) mapping.default = scalar(raw.default, `${at}.default`, fail);
  const only = (key: string, fields: readonly MappedField[]): void => {
    if (raw[key] !== undefined && !fields.includes(field))
      fail(`${at}.${key}`, `only applies to ${fields.join(', ')}`);
  };
  only('format', ['start']);
  only('time_zone', ['start']);
  only('unit', ['duration']);
  only('normalise', ['caller', 'callee']);
  if (raw.values !== undefined && (field === 'start' || field === 'duration'))
    fail(`${at}.values`, 'does not apply to start or duration');
  if (raw.format !== undefined) {
    if (typeof raw.format !== 'string') fail(`${at}.format`, 'must be a string');
    const problem = timeFormatProblem(raw.format as string);
    if (problem !== undefined)
      fail(
        `${at}.format`,
        `${problem} (formats: iso, epoch_s, epoch_ms, epoch_us or a pattern like YYYY-MM-DD HH:mm:ss)`,
      );
    mapping.format = raw.format as string;
  }
  if (raw.time_zone !== undefined) mapping.timeZone = zone(raw.time_zone, `${at}.time_zone`, fail);
  if (raw.unit !== undefined) {
    if (raw.unit !== 's' && raw.unit !== 'ms') fail(`${at}.unit`, 'must be s or ms');
    mapping.unit = raw.unit as 's' | 'ms';
  }
  if (raw.normalise !== undefined) {
    if (typeof raw.normalise !== 'boolean') fail(`${at}.normalise`, 'must be true or false');
    mapping.normalise = raw.normalise as boolean;
  }
  if (raw.values !== undefined) {
    if (!isPlainObject(raw.values)) fail(`${at}.values`, 'must be a table of raw value: contract value');
    const values: Record<string, MappingScalar> = {};
    for (const [from, to] of Object.entries(raw.values as Record<string, unknown>))
      values[from] = scalar(to, `${at}.values.${from}`, fail);
    mapping.values = values;
  }
  return mapping;
}

function zone(value: unknown, key: string, fail: Fail): string {
  if (typeof value !== 'string' || !isValidTimeZone(value))
    return fail(key, `must be an IANA time zone such as UTC or Africa/Lagos, got ${JSON.stringify(value)}`);
  return value;
}

function readNumberPlan(raw: unknown, fail: Fail): NumberPlan {
  if (!isPlainObject(raw))
    return fail('number_plan', 'must be an object with country_code, trunk_prefix, international_prefix');
  checkKeys(raw, Object.keys(PLAN_KEYS), 'number_plan.', fail);
  const plan: NumberPlan = {};
  for (const [key, property] of Object.entries(PLAN_KEYS)) {
    const value = raw[key];
    if (value === undefined) continue;
    // YAML reads an unquoted 00 as the number 0: a prefix with leading zeros must be quoted.
    if (typeof value === 'number' && key === 'international_prefix')
      fail(`number_plan.${key}`, 'write it as a quoted string, e.g. "00" (unquoted YAML reads 00 as 0)');
    if (typeof value !== 'string' && typeof value !== 'number') fail(`number_plan.${key}`, 'must be digits');
    plan[property] = String(value);
  }
  const problem = numberPlanProblem(plan);
  if (problem !== undefined) {
    const key = Object.entries(PLAN_KEYS).find(([, property]) => property === problem.key)?.[0] ?? '';
    fail(`number_plan.${key}`, problem.message);
  }
  return plan;
}

/** Validates a parsed mapping document. Throws MappingFileError naming the first bad key. */
export function validateMappingSpec(document: unknown, source: string): MappingSpec {
  const fail: Fail = (key, problem) => {
    throw new MappingFileError(source, key, problem);
  };
  if (!isPlainObject(document)) return fail('(file)', 'must hold an object with a fields key');
  checkKeys(document, TOP_KEYS, '', fail);
  const name = document.name ?? 'mapping';
  if (typeof name !== 'string' || !MAPPING_NAME_PATTERN.test(name))
    fail(
      'name',
      `must be 1-32 characters a-z 0-9 _ - starting with a letter or digit, got ${JSON.stringify(name)}`,
    );
  const spec: MappingSpec = { name: name as string, fields: {} };
  if (document.time_zone !== undefined) spec.timeZone = zone(document.time_zone, 'time_zone', fail);
  if (document.number_plan !== undefined) spec.numberPlan = readNumberPlan(document.number_plan, fail);
  if (!isPlainObject(document.fields))
    return fail('fields', 'is required: an object naming a path per contract field');
  checkKeys(document.fields, MAPPED_FIELDS, 'fields.', fail);
  for (const field of MAPPED_FIELDS) {
    const raw = document.fields[field];
    if (raw !== undefined) spec.fields[field] = readField(field, raw, fail);
  }
  for (const field of REQUIRED_FIELDS)
    if (spec.fields[field] === undefined)
      fail(`fields.${field}`, 'is required (caller, callee, start and duration always are)');
  return spec;
}

/**
 * Parses and validates a mapping file's text: JSON when it starts with `{`, YAML otherwise. `source` names the
 * file in error messages. Throws MappingFileError.
 */
export function parseMappingSpec(text: string, source: string): MappingSpec {
  const body = text.replace(/^\uFEFF/, '');
  let document: unknown;
  try {
    document = body.trimStart().startsWith('{') ? JSON.parse(body) : parseYaml(body);
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new MappingFileError(source, '(file)', `is not valid JSON or YAML: ${detail}`, { cause: error });
  }
  return validateMappingSpec(document, source);
}
