/**
 * Mapping files: the sample mediation mapping against nested records, and the errors a bad file gives — each
 * naming the key that is wrong.
 */
import { describe, expect, it } from 'vitest';
import {
  MappingFileError,
  compileJsonPath,
  convertDocument,
  parseMappingSpec,
  profileByName,
  resolveJsonPath,
} from '../../../src/codec/index.js';
import { fixtureBytes, fixtureText } from './fixtures.js';

const spec = parseMappingSpec(fixtureText('mediation.yaml'), 'mediation.yaml');

function mappingError(text: string): MappingFileError {
  try {
    parseMappingSpec(text, 'test.yaml');
  } catch (error) {
    if (error instanceof MappingFileError) return error;
    throw error;
  }
  throw new Error('expected a MappingFileError');
}

const MINIMAL = 'fields:\n  caller: a\n  callee: b\n  start: t\n  duration: d\n';

describe('mapping profile', () => {
  it('reads the sample YAML into a spec named after its profile', () => {
    expect(spec.name).toBe('mediation');
    expect(spec.numberPlan).toEqual({ countryCode: '234', trunkPrefix: '0', internationalPrefix: '00' });
    expect(spec.fields.start).toEqual({ paths: ['timing.setup'], format: 'DD/MM/YYYY HH:mm:ss' });
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });

  it('maps nested records: paths, fallbacks, units, value tables, constants and local times', () => {
    const profile = profileByName('mediation', { mapping: spec });
    expect(profile.name).toBe('mediation');
    const result = convertDocument(profile, fixtureBytes('mediation-records.ndjson'));
    expect(result.errors).toEqual([
      'Row 3: start "2024-05-29T18:02:00" does not match the format DD/MM/YYYY HH:mm:ss',
    ]);
    expect(result.records.map((record) => record.cdr)).toEqual([
      {
        callId: 'MSC1-000001',
        caller: 2348031234567,
        callee: 2348057654321,
        startMs: Date.UTC(2024, 4, 29, 16, 59, 50),
        durationSeconds: 2,
        answered: true,
        direction: 'outbound',
        cause: 16,
        cell: 'LAG-0231',
        switchId: 'msc-lagos-1',
      },
      {
        callId: 'MSC1-000002',
        caller: 2348031234567,
        callee: 2348057654322,
        startMs: Date.UTC(2024, 4, 29, 17, 1, 32),
        durationSeconds: 0,
        answered: false,
        direction: 'inbound',
        cause: 19,
        switchId: 'msc-lagos-1',
      },
    ]);
    expect(result.rowCount).toBe(3);
  });

  it('reads zone-less ISO times in the zone when the format is iso', () => {
    const iso = convertDocument(
      profileByName('mediation', {
        mapping: { ...spec, fields: { ...spec.fields, start: { paths: ['timing.setup'] } } },
      }),
      fixtureBytes('mediation-records.ndjson'),
    );
    expect(iso.errors).toEqual([
      'Row 1: start "29/05/2024 17:59:50" does not match the format iso',
      'Row 2: start "29/05/2024 18:01:32" does not match the format iso',
    ]);
    expect(iso.records[0]?.cdr.startMs).toBe(Date.UTC(2024, 4, 29, 17, 2, 0));
  });

  it('hashes caller, callee, start and duration when no call_id is mapped', () => {
    const profile = profileByName('mapping', { mapping: parseMappingSpec(MINIMAL, 'minimal.yaml') });
    const record = Buffer.from('{"a":"2348031234567","b":"2348057654321","t":"2024-05-29T16:59:50Z","d":3}');
    const first = convertDocument(profile, record);
    const second = convertDocument(profile, record);
    expect(first.records[0]?.cdr.callId).toMatch(/^map-[0-9a-f]{32}$/);
    expect(second.records[0]?.cdr.callId).toBe(first.records[0]?.cdr.callId);
  });

  it('accepts JSON mapping files too', () => {
    const fromJson = parseMappingSpec(
      JSON.stringify({ fields: { caller: 'a', callee: 'b', start: 't', duration: 'd' } }),
      'm.json',
    );
    expect(fromJson).toEqual(parseMappingSpec(MINIMAL, 'minimal.yaml'));
    expect(fromJson.name).toBe('mapping');
  });

  it('names the key of every mistake', () => {
    const cases: [string, string, RegExp][] = [
      ['fields: [', '(file)', /not valid JSON or YAML/],
      ['name: x\n', 'fields', /required/],
      ['fields:\n  caller: a\n  callee: b\n  start: t\n', 'fields.duration', /required/],
      [`${MINIMAL}  colour: c\n`, 'fields.colour', /unknown key/],
      [
        MINIMAL.replace('start: t', 'start: { path: t, format: "YYYY/MM/DD" }'),
        'fields.start.format',
        /needs HH, mm/,
      ],
      [
        MINIMAL.replace('start: t', 'start: { path: t, time_zone: Mars/Base }'),
        'fields.start.time_zone',
        /IANA/,
      ],
      [
        MINIMAL.replace('duration: d', 'duration: { path: d, unit: minutes }'),
        'fields.duration.unit',
        /s or ms/,
      ],
      [
        MINIMAL.replace('caller: a', 'caller: { path: a, format: iso }'),
        'fields.caller.format',
        /only applies to start/,
      ],
      [MINIMAL.replace('caller: a', 'caller: { path: a, constant: "1" }'), 'fields.caller', /exactly one/],
      [
        MINIMAL.replace('caller: a', 'caller: { path: "a..b" }'),
        'fields.caller.path',
        /cannot read the path/,
      ],
      [`${MINIMAL}number_plan: { international_prefix: 00 }\n`, 'number_plan.international_prefix', /quoted/],
      [`${MINIMAL}number_plan: { country_code: "0234" }\n`, 'number_plan.country_code', /1-3 digits/],
      [`name: Big Name\n${MINIMAL}`, 'name', /a-z 0-9/],
      [`${MINIMAL}time_zone: Nowhere\n`, 'time_zone', /IANA/],
    ];
    for (const [text, key, problem] of cases) {
      const error = mappingError(text);
      expect(error.key, text).toBe(key);
      expect(error.problem, text).toMatch(problem);
      expect(error.code).toBe('SENTINEL_MAPPING_INVALID');
      expect(error.message).toContain(`mapping file test.yaml: ${key}:`);
    }
  });
});

describe('JSON paths', () => {
  it('reads dots, indexes and quoted keys', () => {
    const record = { a: { 'x.y': [{ b: 1 }, { b: 2 }] }, 'core-uuid': 'u', list: ['p', 'q'] };
    const at = (path: string): unknown => {
      const compiled = compileJsonPath(path);
      if (typeof compiled === 'string') throw new Error(compiled);
      return resolveJsonPath(record, compiled);
    };
    expect(at('a["x.y"][1].b')).toBe(2);
    expect(at('a["x.y"].0.b')).toBe(1);
    expect(at('core-uuid')).toBe('u');
    expect(at('list[1]')).toBe('q');
    expect(at('list.x')).toBeUndefined();
    expect(at('a.missing.deeper')).toBeUndefined();
    expect(compileJsonPath('a.')).toMatch(/end with/);
    expect(compileJsonPath('')).toMatch(/empty/);
  });
});
