import { describe, expect, it } from 'vitest';
import {
  decodeCdr,
  encodeCdr,
  validateCdrObject,
  type CdrReason,
  type DecodeOptions,
  type DecodeResult,
} from '../../src/codec/index.js';

const NOW_MS = Date.UTC(2024, 5, 1, 12, 0, 0);
const options = { nowMs: NOW_MS };
const utf8 = new TextEncoder();

const VALID = {
  call_id: 'sw1-000001',
  caller: '+2348012345678',
  callee: '2348098765432',
  start: '2024-06-01T10:00:00Z',
  duration: 2,
};

function decodeJson(value: unknown, extra: DecodeOptions = options): DecodeResult {
  return decodeCdr(utf8.encode(JSON.stringify(value)), extra);
}

function decodeText(text: string): DecodeResult {
  return decodeCdr(utf8.encode(text), options);
}

function withField(field: string, value: unknown): Record<string, unknown> {
  return { ...VALID, [field]: value };
}

function without(field: string): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...VALID };
  delete copy[field];
  return copy;
}

function expectRejected(result: DecodeResult, reason: CdrReason, field: string | undefined): void {
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect({ reason: result.reason, field: result.field }).toEqual({ reason, field });
    expect(result.message.length).toBeGreaterThan(0);
    expect(result.message.length).toBeLessThan(300);
  }
}

describe('decodeCdr accepts valid records', () => {
  it('decodes the required fields into integers and epoch ms', () => {
    const result = decodeJson(VALID);
    expect(result).toEqual({
      ok: true,
      cdr: {
        callId: 'sw1-000001',
        caller: 2348012345678,
        callee: 2348098765432,
        startMs: Date.UTC(2024, 5, 1, 10, 0, 0),
        durationSeconds: 2,
      },
      dropped: [],
    });
  });

  it.each([
    ['2024-06-01T10:00:00Z', Date.UTC(2024, 5, 1, 10)],
    ['2024-06-01t10:00:00z', Date.UTC(2024, 5, 1, 10)],
    ['2024-06-01 10:00:00Z', Date.UTC(2024, 5, 1, 10)],
    ['2024-06-01T10:00Z', Date.UTC(2024, 5, 1, 10)],
    ['2024-06-01T11:00:00+01:00', Date.UTC(2024, 5, 1, 10)],
    ['2024-06-01T04:30:00-0530', Date.UTC(2024, 5, 1, 10)],
    ['2024-06-01T12:00:00+02', Date.UTC(2024, 5, 1, 10)],
    ['2024-06-01T10:00:00.123Z', Date.UTC(2024, 5, 1, 10, 0, 0, 123)],
    ['2024-06-01T10:00:00.1239999Z', Date.UTC(2024, 5, 1, 10, 0, 0, 123)],
    ['2024-06-01T10:00:00,5Z', Date.UTC(2024, 5, 1, 10, 0, 0, 500)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    [Date.UTC(2024, 5, 1, 10), Date.UTC(2024, 5, 1, 10)],
  ])('reads start %j', (start, expectedMs) => {
    const result = decodeJson(withField('start', start));
    expect(result.ok && result.cdr.startMs).toBe(expectedMs);
  });

  it('accepts a start up to the future skew ahead of now', () => {
    expect(decodeJson(withField('start', NOW_MS + 3_600_000)).ok).toBe(true);
    expect(
      decodeJson(withField('start', NOW_MS + 600_000), { nowMs: NOW_MS, maxFutureSkewMs: 600_000 }).ok,
    ).toBe(true);
  });

  it('reads the optional fields, treats null as absent and ignores unknown fields', () => {
    const result = decodeJson({
      ...VALID,
      answered: true,
      direction: 'outbound',
      cause: 16,
      cell: 'LAG-0042',
      imsi: '621301234567890',
      imei: '35209900176148',
      switch: 'msc-lagos-1',
      trunk_in: 'TRK-A',
      trunk_out: 'TRK-B',
      vendor_extension: { anything: [1, 2, 3] },
    });
    expect(result.ok && result.cdr).toEqual({
      callId: 'sw1-000001',
      caller: 2348012345678,
      callee: 2348098765432,
      startMs: Date.UTC(2024, 5, 1, 10),
      durationSeconds: 2,
      answered: true,
      direction: 'outbound',
      cause: 16,
      cell: 'LAG-0042',
      imsi: '621301234567890',
      imei: '35209900176148',
      switchId: 'msc-lagos-1',
      trunkIn: 'TRK-A',
      trunkOut: 'TRK-B',
    });
    const nulls = decodeJson({
      ...VALID,
      answered: null,
      direction: null,
      cause: null,
      cell: null,
      imsi: null,
    });
    expect(nulls.ok && Object.keys(nulls.cdr)).toEqual([
      'callId',
      'caller',
      'callee',
      'startMs',
      'durationSeconds',
    ]);
  });

  it('accepts boundary values', () => {
    expect(decodeJson(withField('duration', 0)).ok).toBe(true);
    expect(decodeJson(withField('duration', 86_400)).ok).toBe(true);
    expect(decodeJson(withField('caller', '12')).ok).toBe(true);
    expect(decodeJson(withField('caller', '+999999999999999')).ok).toBe(true);
    expect(decodeJson(withField('call_id', 'x'.repeat(64))).ok).toBe(true);
    expect(decodeJson(withField('call_id', 'émoji-😀-id')).ok).toBe(true);
    expect(decodeJson(withField('start', '2000-01-01T00:00:00Z')).ok).toBe(true);
  });
});

describe('decodeCdr keeps records whose only fault is spelling or an optional field', () => {
  const decoded = (result: DecodeResult): unknown => (result.ok ? result.cdr : result);

  it('reads a numeric caller and a string duration (they used to be rejected)', () => {
    const numericCaller = decodeJson(withField('caller', 2348012345678));
    expect(numericCaller.ok && numericCaller.cdr.caller).toBe(2348012345678);
    const stringDuration = decodeJson(withField('duration', '30'));
    expect(stringDuration.ok && stringDuration.cdr.durationSeconds).toBe(30);
  });

  // Each of these rejected the record with invalid_optional_field before: now only the field goes.
  it.each([
    ['answered as text', 'answered', 'yes', 'invalid_value'],
    ['unknown direction', 'direction', 'sideways', 'invalid_value'],
    ['cause 128', 'cause', 128, 'out_of_range'],
    ['fractional cause', 'cause', 1.5, 'invalid_value'],
    ['imsi with letters', 'imsi', '62130ab', 'invalid_value'],
    ['short imsi', 'imsi', '1234', 'invalid_value'],
    ['13-digit imei', 'imei', '3520990017614', 'invalid_value'],
    ['65-char cell', 'cell', 'c'.repeat(65), 'too_long'],
    ['object switch', 'switch', {}, 'invalid_value'],
    ['numeric trunk_out', 'trunk_out', 5, 'invalid_value'],
  ])('%s: drops %s (%j) as %s and keeps the record', (_name, field, value, reason) => {
    const result = decodeJson(withField(field, value));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.dropped).toEqual([{ field, reason }]);
    expect(decoded(result)).toEqual(decoded(decodeJson(VALID)));
  });

  it('empty trunk_in: an empty string is absent, so nothing is dropped', () => {
    const result = decodeJson(withField('trunk_in', ''));
    expect(result).toEqual(decodeJson(VALID));
    expect(result.ok && result.dropped).toEqual([]);
  });
});

describe('decodeCdr rejects malformed records with a reason and field', () => {
  const tenKb = 'x'.repeat(10_240);
  const corpus: [string, DecodeResult, CdrReason, string | undefined][] = [
    ['truncated JSON', decodeText('{"call_id":'), 'invalid_json', undefined],
    ['plain text', decodeText('hello'), 'invalid_json', undefined],
    ['empty message', decodeText(''), 'invalid_json', undefined],
    ['two objects', decodeText('{"a":1}{"b":2}'), 'invalid_json', undefined],
    ['null', decodeText('null'), 'not_an_object', undefined],
    ['array', decodeText('[{"call_id":"a"}]'), 'not_an_object', undefined],
    ['number', decodeText('42'), 'not_an_object', undefined],
    ['string', decodeText('"cdr"'), 'not_an_object', undefined],
    ['10 KB string field', decodeJson(withField('cell', tenKb)), 'too_large', undefined],
    ['invalid byte 0xff', decodeCdr(Uint8Array.of(0x7b, 0xff, 0x7d), options), 'invalid_encoding', undefined],
    [
      'overlong encoding',
      decodeCdr(Uint8Array.of(0x22, 0xc0, 0xaf, 0x22), options),
      'invalid_encoding',
      undefined,
    ],
    [
      'truncated sequence',
      decodeCdr(Uint8Array.of(0x22, 0xe2, 0x82, 0x22), options),
      'invalid_encoding',
      undefined,
    ],
    [
      'UTF-8 encoded surrogate',
      decodeCdr(Uint8Array.of(0x22, 0xed, 0xa0, 0x80, 0x22), options),
      'invalid_encoding',
      undefined,
    ],
    ['no call_id', decodeJson(without('call_id')), 'missing_field', 'call_id'],
    ['no caller', decodeJson(without('caller')), 'missing_field', 'caller'],
    ['null caller', decodeJson(withField('caller', null)), 'missing_field', 'caller'],
    ['no callee', decodeJson(without('callee')), 'missing_field', 'callee'],
    ['no start', decodeJson(without('start')), 'missing_field', 'start'],
    ['no duration', decodeJson(without('duration')), 'missing_field', 'duration'],
    ['empty object', decodeJson({}), 'missing_field', 'call_id'],
    ['empty call_id', decodeJson(withField('call_id', '')), 'missing_field', 'call_id'],
    ['65-char call_id', decodeJson(withField('call_id', 'x'.repeat(65))), 'invalid_call_id', 'call_id'],
    ['numeric call_id', decodeJson(withField('call_id', 12345)), 'invalid_call_id', 'call_id'],
    ['control char in call_id', decodeJson(withField('call_id', 'a\u0001b')), 'invalid_call_id', 'call_id'],
    ['newline in call_id', decodeJson(withField('call_id', 'a\nb')), 'invalid_call_id', 'call_id'],
    ['leading space in call_id', decodeJson(withField('call_id', ' abc')), 'invalid_call_id', 'call_id'],
    [
      'lone surrogate call_id',
      decodeText(JSON.stringify(VALID).replace('sw1-000001', '\\ud800x')),
      'invalid_call_id',
      'call_id',
    ],
    ['caller +234ABC123', decodeJson(withField('caller', '+234ABC123')), 'invalid_caller', 'caller'],
    ['caller with leading zero', decodeJson(withField('caller', '08012345678')), 'invalid_caller', 'caller'],
    ['one-digit caller', decodeJson(withField('caller', '+1')), 'invalid_caller', 'caller'],
    ['16-digit caller', decodeJson(withField('caller', '1234567890123456')), 'invalid_caller', 'caller'],
    ['double plus', decodeJson(withField('caller', '++2348012345678')), 'invalid_caller', 'caller'],
    ['caller with spaces', decodeJson(withField('caller', '234 801 234')), 'invalid_caller', 'caller'],
    [
      'nested junk caller',
      decodeJson(withField('caller', { digits: { more: ['2348'] } })),
      'invalid_caller',
      'caller',
    ],
    ['array caller', decodeJson(withField('caller', ['2348012345678'])), 'invalid_caller', 'caller'],
    ['empty callee', decodeJson(withField('callee', '')), 'missing_field', 'callee'],
    ['callee +234ABC123', decodeJson(withField('callee', '+234ABC123')), 'invalid_callee', 'callee'],
    ['start without zone', decodeJson(withField('start', '2024-06-01T10:00:00')), 'invalid_start', 'start'],
    ['start month 13', decodeJson(withField('start', '2024-13-01T00:00:00Z')), 'invalid_start', 'start'],
    ['start Feb 30', decodeJson(withField('start', '2024-02-30T00:00:00Z')), 'invalid_start', 'start'],
    ['start hour 24', decodeJson(withField('start', '2024-06-01T24:00:00Z')), 'invalid_start', 'start'],
    ['start leap second', decodeJson(withField('start', '2024-06-01T10:00:60Z')), 'invalid_start', 'start'],
    [
      'start bad offset',
      decodeJson(withField('start', '2024-06-01T10:00:00+25:00')),
      'invalid_start',
      'start',
    ],
    [
      'start trailing junk',
      decodeJson(withField('start', '2024-06-01T10:00:00Zjunk')),
      'invalid_start',
      'start',
    ],
    ['start in words', decodeJson(withField('start', 'yesterday')), 'invalid_start', 'start'],
    ['start before 2000', decodeJson(withField('start', '1999-12-31T23:59:59Z')), 'invalid_start', 'start'],
    ['start epoch zero', decodeJson(withField('start', 0)), 'invalid_start', 'start'],
    ['negative start', decodeJson(withField('start', -5)), 'invalid_start', 'start'],
    ['fractional epoch start', decodeJson(withField('start', 1_717_236_000_000.5)), 'invalid_start', 'start'],
    ['boolean start', decodeJson(withField('start', true)), 'invalid_start', 'start'],
    [
      'start two hours ahead',
      decodeJson(withField('start', '2024-06-01T14:00:01Z')),
      'start_in_future',
      'start',
    ],
    ['epoch start ahead', decodeJson(withField('start', NOW_MS + 7_200_000)), 'start_in_future', 'start'],
    [
      'start in year 3000',
      decodeJson(withField('start', '3000-01-01T00:00:00Z')),
      'start_in_future',
      'start',
    ],
    ['negative duration', decodeJson(withField('duration', -1)), 'bad_duration', 'duration'],
    ['fractional duration', decodeJson(withField('duration', 1.5)), 'bad_duration', 'duration'],
    ['duration over a day', decodeJson(withField('duration', 86_401)), 'bad_duration', 'duration'],
    [
      'infinite duration',
      decodeText(JSON.stringify(VALID).replace('"duration":2', '"duration":1e400')),
      'bad_duration',
      'duration',
    ],
  ];

  it.each(corpus)('%s', (_name, result, reason, field) => {
    expectRejected(result, reason, field);
  });

  it('applies maxBytes before parsing and judges a long field on its own rules when it fits', () => {
    const long = withField('call_id', 'x'.repeat(10_240));
    expectRejected(decodeJson(long), 'too_large', undefined);
    expectRejected(decodeJson(long, { nowMs: NOW_MS, maxBytes: 65_536 }), 'invalid_call_id', 'call_id');
  });

  it('never throws on deeply nested input', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expectRejected(
      decodeCdr(utf8.encode(deep), { nowMs: NOW_MS, maxBytes: 1_000_000 }),
      'not_an_object',
      undefined,
    );
    const unterminated = '{"a":'.repeat(5_000);
    expectRejected(
      decodeCdr(utf8.encode(unterminated), { nowMs: NOW_MS, maxBytes: 1_000_000 }),
      'invalid_json',
      undefined,
    );
  });

  it('never throws on objects that are not plain JSON', () => {
    const hostile = Object.defineProperty({ ...VALID }, 'caller', {
      get() {
        throw new Error('boom');
      },
    });
    expectRejected(validateCdrObject(hostile, options), 'not_an_object', undefined);
  });

  it('round-trips the canonical encoding of a decoded record', () => {
    const first = decodeJson({ ...VALID, direction: 'inbound', cause: 31 });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(decodeCdr(encodeCdr(first.cdr), options)).toEqual(first);
  });
});
