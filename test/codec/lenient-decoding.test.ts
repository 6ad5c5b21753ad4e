/**
 * "Be strict about what detection needs, lenient about how it is spelled" (docs/design.md §2): numbers as
 * decimal strings, booleans as words or digits, epoch times in any common unit, empty strings as absent, and
 * optional fields dropped instead of records. Found in the field: a day of CDRs whose only quirk was
 * `"cause":"16"` went 100% to the dead-letter queue.
 */
import { describe, expect, it } from 'vitest';
import {
  CDR_FIELDS,
  CDR_DROP_REASONS,
  CDR_REASONS,
  decodeCdr,
  validateCdrObject,
  type Cdr,
  type DecodeResult,
} from '../../src/codec/index.js';

const NOW_MS = Date.UTC(2024, 5, 1, 12, 0, 0);
const options = { nowMs: NOW_MS };
const utf8 = new TextEncoder();
const START_MS = Date.UTC(2024, 5, 1, 10, 0, 0);

const TYPED = {
  call_id: 'sw1-000001',
  caller: '+2348012345678',
  callee: '2348098765432',
  start: '2024-06-01T10:00:00Z',
  duration: 42,
  answered: true,
  direction: 'outbound',
  cause: 16,
  cell: 'LAG-0042',
  imsi: '621301234567890',
  imei: '35209900176148',
  switch: 'msc-lagos-1',
  trunk_in: 'TRK-A',
  trunk_out: 'TRK-B',
};

const EXPECTED: Cdr = {
  callId: 'sw1-000001',
  caller: 2348012345678,
  callee: 2348098765432,
  startMs: START_MS,
  durationSeconds: 42,
  answered: true,
  direction: 'outbound',
  cause: 16,
  cell: 'LAG-0042',
  imsi: '621301234567890',
  imei: '35209900176148',
  switchId: 'msc-lagos-1',
  trunkIn: 'TRK-A',
  trunkOut: 'TRK-B',
};

function decodeJson(value: unknown): DecodeResult {
  return decodeCdr(utf8.encode(JSON.stringify(value)), options);
}

function withField(field: string, value: unknown): Record<string, unknown> {
  return { ...TYPED, [field]: value };
}

/** The decoded record and what was dropped, or the rejection. */
function outcome(result: DecodeResult): unknown {
  return result.ok
    ? { cdr: result.cdr, dropped: result.dropped }
    : { reason: result.reason, field: result.field };
}

describe('values spelled as strings', () => {
  it('decodes a record whose every value is a string to the same Cdr as its typed twin', () => {
    const strings = {
      ...TYPED,
      start: String(START_MS / 1000),
      duration: '42',
      answered: 'true',
      cause: '16',
    };
    expect(decodeJson(TYPED)).toEqual({ ok: true, cdr: EXPECTED, dropped: [] });
    expect(decodeJson(strings)).toEqual(decodeJson(TYPED));
    expect(validateCdrObject(strings, options)).toEqual(decodeJson(TYPED));
  });

  it('reads phone numbers and digit-string fields sent as JSON numbers', () => {
    const numbers = { ...TYPED, caller: 2348012345678, callee: 2348098765432, imsi: 621301234567890 };
    expect(decodeJson(numbers)).toEqual(decodeJson(TYPED));
    expect(outcome(decodeJson(withField('imei', 35209900176148)))).toEqual(outcome(decodeJson(TYPED)));
  });

  it.each([
    ['42', 42],
    ['042', 42],
    ['+42', 42],
    ['42.0', 42],
    ['42.000', 42],
    ['-0', 0],
    ['0', 0],
    ['86400', 86_400],
  ])('reads duration %j as %d', (text, seconds) => {
    const result = decodeJson(withField('duration', text));
    expect(result.ok && result.cdr.durationSeconds).toBe(seconds);
    expect(Object.is(result.ok && result.cdr.durationSeconds, seconds)).toBe(true);
  });

  it.each(['42.5', ' 42', '42 ', '4e1', '0x2a', '42s', '-1', '86401', '+', '.5', '5.', '1'.repeat(33)])(
    'rejects duration %j as bad_duration',
    (text) => {
      expect(outcome(decodeJson(withField('duration', text)))).toEqual({
        reason: 'bad_duration',
        field: 'duration',
      });
    },
  );

  it.each([
    [true, true],
    [false, false],
    [1, true],
    [0, false],
    ['true', true],
    ['TRUE', true],
    ['True', true],
    ['false', false],
    ['FaLsE', false],
    ['1', true],
    ['0', false],
  ])('reads answered %j as %j', (value, answered) => {
    const result = decodeJson(withField('answered', value));
    expect(result.ok && result.cdr.answered).toBe(answered);
    expect(result.ok && result.dropped).toEqual([]);
  });

  it.each(['INBOUND', 'Outbound', 'inbound'])('reads direction %j in any letter case', (text) => {
    const result = decodeJson(withField('direction', text));
    expect(result.ok && result.cdr.direction).toBe(text.toLowerCase());
  });

  it.each([
    ['16', 16],
    ['016', 16],
    ['16.0', 16],
    ['0', 0],
    ['127', 127],
  ])('reads cause %j as %d', (text, cause) => {
    const result = decodeJson(withField('cause', text));
    expect(result.ok && result.cdr.cause).toBe(cause);
  });
});

describe('start as epoch seconds, milliseconds or microseconds', () => {
  // The unit follows from the size: < 1e11 seconds, < 1e14 milliseconds, < 1e17 microseconds.
  it.each([
    [START_MS / 1000, START_MS],
    [START_MS, START_MS],
    [START_MS * 1000 + 999, START_MS],
    [String(START_MS / 1000), START_MS],
    [String(START_MS), START_MS],
    [`${START_MS}123`, START_MS],
    [`${START_MS / 1000}.0`, START_MS],
  ])('reads %j as %d', (start, expectedMs) => {
    const result = decodeJson(withField('start', start));
    expect(result.ok && result.cdr.startMs).toBe(expectedMs);
  });

  it('keeps ISO-8601 with a zone', () => {
    const result = decodeJson(withField('start', '2024-06-01T12:00:00+02:00'));
    expect(result.ok && result.cdr.startMs).toBe(START_MS);
  });

  it('reads the unit boundaries as documented', () => {
    // 1e11 - 1 s is year 5138 (in the future); 1e11 ms is 1973 (before 2000): both invalid here, by range.
    const far = { nowMs: 1e15, maxFutureSkewMs: 0 };
    const at = (start: unknown): number | undefined => {
      const result = decodeCdr(utf8.encode(JSON.stringify(withField('start', start))), far);
      return result.ok ? result.cdr.startMs : undefined;
    };
    expect(at(99_999_999_999)).toBe(99_999_999_999_000);
    expect(at(100_000_000_000)).toBeUndefined(); // 1e11 ms = 1973
    expect(at(99_999_999_999_999)).toBe(99_999_999_999_999);
    expect(at(100_000_000_000_000)).toBeUndefined(); // 1e14 µs = 1973
    expect(at(99_999_999_999_999_984)).toBe(99_999_999_999_999); // just below 1e17: microseconds
    expect(at(1e17)).toBeUndefined(); // from 1e17 on: not a time
  });

  it.each<[number | string, string]>([
    [START_MS + 0.5, 'a fraction'],
    [`${START_MS / 1000}.5`, 'a fraction in a string'],
    ['1e12', 'an exponent in a string'],
    [' 1717236000', 'a leading space'],
    [1e17, '1e17'],
  ])('rejects start %j (%s) as invalid_start', (start) => {
    expect(outcome(decodeJson(withField('start', start)))).toEqual({
      reason: 'invalid_start',
      field: 'start',
    });
  });
});

describe('empty strings and null are absent', () => {
  it.each(['call_id', 'caller', 'callee', 'start', 'duration'])(
    'a required %s that is "" is missing',
    (field) => {
      expect(outcome(decodeJson(withField(field, '')))).toEqual({ reason: 'missing_field', field });
    },
  );

  it('optional fields that are "" or null are left out, not dropped', () => {
    const required: string[] = ['call_id', 'caller', 'callee', 'start', 'duration'];
    const optional = Object.values(CDR_FIELDS).filter((field) => !required.includes(field));
    for (const empty of ['', null]) {
      const record: Record<string, unknown> = { ...TYPED };
      for (const field of optional) record[field] = empty;
      const result = decodeJson(record);
      expect(result.ok && Object.keys(result.cdr)).toEqual([
        'callId',
        'caller',
        'callee',
        'startMs',
        'durationSeconds',
      ]);
      expect(result.ok && result.dropped).toEqual([]);
    }
  });
});

describe('an unusable optional field is dropped, never the record', () => {
  const cases: [string, unknown, string][] = [
    ['answered', 'yes', 'invalid_value'],
    ['answered', 2, 'invalid_value'],
    ['answered', 'truE1', 'invalid_value'],
    ['answered', [true], 'invalid_value'],
    ['direction', 'sideways', 'invalid_value'],
    ['direction', 'in', 'invalid_value'],
    ['direction', 1, 'invalid_value'],
    ['direction', 'ınbound', 'invalid_value'],
    ['cause', 128, 'out_of_range'],
    ['cause', '128', 'out_of_range'],
    ['cause', -1, 'out_of_range'],
    ['cause', '-1', 'out_of_range'],
    ['cause', 1.5, 'invalid_value'],
    ['cause', '16a', 'invalid_value'],
    ['cause', true, 'invalid_value'],
    ['cell', 'c'.repeat(65), 'too_long'],
    ['cell', ' LAG', 'invalid_value'],
    ['cell', 'LAG\u007f', 'invalid_value'],
    ['cell', 42, 'invalid_value'],
    ['imsi', '62130ab', 'invalid_value'],
    ['imsi', '1234', 'invalid_value'],
    ['imsi', '1234567890123456', 'too_long'],
    ['imsi', -5, 'invalid_value'],
    ['imsi', 1.5, 'invalid_value'],
    ['imei', '3520990017614', 'invalid_value'],
    ['imei', '35209900176148000', 'too_long'],
    ['imei', 2 ** 60, 'invalid_value'],
    ['switch', {}, 'invalid_value'],
    ['switch', 'msc\u0085', 'invalid_value'],
    ['trunk_in', 'T'.repeat(100), 'too_long'],
    ['trunk_out', 5, 'invalid_value'],
    ['trunk_out', false, 'invalid_value'],
  ];

  it.each(cases)('%s = %j is dropped as %s', (field, value, reason) => {
    const result = decodeJson(withField(field, value));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.dropped).toEqual([{ field, reason }]);
    const expected: Record<string, unknown> = { ...EXPECTED };
    const key = { switch: 'switchId', trunk_in: 'trunkIn', trunk_out: 'trunkOut' }[field] ?? field;
    delete expected[key];
    expect(result.cdr).toEqual(expected);
    expect(validateCdrObject(withField(field, value), options)).toEqual(result);
  });

  it('lists every dropped field, in contract order', () => {
    const result = decodeJson({ ...TYPED, trunk_out: 7, cause: 'x', answered: 'maybe', imsi: 'no' });
    expect(result.ok && result.dropped).toEqual([
      { field: 'answered', reason: 'invalid_value' },
      { field: 'cause', reason: 'invalid_value' },
      { field: 'imsi', reason: 'invalid_value' },
      { field: 'trunk_out', reason: 'invalid_value' },
    ]);
  });

  it('shares one frozen empty list when nothing was dropped, so the common case allocates none', () => {
    const first = decodeJson(TYPED);
    const second = validateCdrObject(TYPED, options);
    expect(first.ok && second.ok && first.dropped === second.dropped).toBe(true);
    expect(first.ok && Object.isFrozen(first.dropped)).toBe(true);
  });

  it('uses only the closed lists of reasons, and never invalid_optional_field any more', () => {
    for (const [field, value] of cases) {
      const result = decodeJson(withField(field, value));
      if (result.ok) for (const entry of result.dropped) expect(CDR_DROP_REASONS).toContain(entry.reason);
    }
    // Kept in CDR_REASONS for dead letters written before: the decoder no longer produces it.
    expect(CDR_REASONS).toContain('invalid_optional_field');
  });

  it('drops a cause too large to be a number (1e400 reads as Infinity)', () => {
    const text = JSON.stringify(TYPED).replace('"cause":16', '"cause":1e400');
    const result = decodeCdr(utf8.encode(text), options);
    expect(result.ok && result.dropped).toEqual([{ field: 'cause', reason: 'invalid_value' }]);
  });

  it('ignores unknown fields, nested or not', () => {
    const result = decodeJson({ ...TYPED, vendor: { a: [1, { b: null }] }, billsec: '42', uuid: 'x' });
    expect(outcome(result)).toEqual(outcome(decodeJson(TYPED)));
  });
});
