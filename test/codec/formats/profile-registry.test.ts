import { describe, expect, it } from 'vitest';
import {
  INPUT_PROFILES,
  InvalidTimeZoneError,
  JsonValueScanner,
  UnknownProfileError,
  convertDocument,
  convertRecordBytes,
  parseCdrCsv,
  profileByName,
} from '../../../src/codec/index.js';
import { fixtureBytes, fixtureText } from './fixtures.js';

describe('profile registry', () => {
  it('builds every listed profile under its own name', () => {
    const mapping = { name: 'mapping', fields: {} };
    for (const entry of INPUT_PROFILES) {
      const profile = profileByName(entry.name, { mapping });
      expect(profile.name).toBe(entry.name);
      expect(profile.format).toBe(entry.format);
    }
  });

  it('refuses unknown names, a mapping without a file and unknown zones', () => {
    expect(() => profileByName('cisco')).toThrow(UnknownProfileError);
    expect(() => profileByName('cisco')).toThrow(
      /known: contract, freeswitch, asterisk-csv, seed-csv, mapping/,
    );
    expect(() => profileByName('mapping')).toThrow(/needs a mapping file/);
    expect(() => profileByName('asterisk-csv', { timeZone: 'Lagos' })).toThrow(InvalidTimeZoneError);
    expect(() => profileByName('seed-csv', { timeZone: 'Lagos' })).toThrow(InvalidTimeZoneError);
  });

  it('passes contract records through to the validator unchanged', () => {
    const contract = profileByName('contract');
    const ok = convertRecordBytes(
      contract,
      Buffer.from(
        '{"call_id":"c-1","caller":"+2348031234567","callee":"2348057654321","start":"2024-05-29T16:59:50Z","duration":3}',
      ),
    );
    expect(ok.ok && ok.cdr.caller).toBe(2348031234567);
    expect(convertRecordBytes(contract, Buffer.from('{"call_id":'))).toMatchObject({
      reason: 'invalid_json',
    });
    expect(convertRecordBytes(contract, Buffer.from('[1]'))).toMatchObject({ reason: 'not_an_object' });
    expect(convertRecordBytes(contract, Buffer.from([0x7b, 0xff, 0x7d]))).toMatchObject({
      reason: 'invalid_encoding',
    });
  });
});

describe('seed-csv profile', () => {
  it('gives exactly what the predecessor converter gives, row errors included', () => {
    const nowMs = Date.UTC(2024, 11, 31);
    const viaProfile = convertDocument(profileByName('seed-csv', { nowMs }), fixtureBytes('seed.csv'), {
      decode: { nowMs },
    });
    const direct = parseCdrCsv(fixtureText('seed.csv'), { nowMs });
    expect(viaProfile.errors).toEqual(direct.errors);
    expect(viaProfile.errors).toEqual(['Row 3: Invalid phone number format: +234ABC123 (caller_number)']);
    expect(viaProfile.records.map((record) => [record.row, record.cdr])).toEqual(
      direct.records.map((record) => [record.row, record.cdr]),
    );
    expect(viaProfile.rowCount).toBe(3);
  });

  it('reports a header without the required columns once, as a file error', () => {
    const result = convertDocument(profileByName('seed-csv'), Buffer.from('date,caller\n2024-05-29,1\n'));
    expect(result.fileError).toMatch(/Missing required columns/);
    expect(result.rowCount).toBe(0);
  });

  it('cannot convert a single record: the header is in no message', () => {
    expect(
      convertRecordBytes(profileByName('seed-csv'), Buffer.from('2024-05-29,16:59:50,1,2,3')),
    ).toMatchObject({
      reason: 'invalid_csv',
    });
  });
});

describe('JsonValueScanner', () => {
  it('splits NDJSON, pretty documents and values glued on one line, across chunk boundaries', () => {
    const text = '{"a":1}\n{\n  "b": "}{\\"",\n  "c": [1, {"d": 2}]\n}{"e":3}  \n\n[4] "s" junk\n{"open": ';
    const whole = new JsonValueScanner(1_000);
    const values = [...whole.push(Buffer.from(text)), ...whole.end()].map((v) => [
      v.line,
      v.bytes.toString(),
    ]);
    expect(values).toEqual([
      [1, '{"a":1}'],
      [2, '{\n  "b": "}{\\"",\n  "c": [1, {"d": 2}]\n}'],
      [5, '{"e":3}'],
      [7, '[4]'],
      [7, '"s"'],
      [7, 'junk'],
      [8, '{"open": '],
    ]);
    for (const size of [1, 2, 3, 7]) {
      const scanner = new JsonValueScanner(1_000);
      const pieces: string[] = [];
      for (let at = 0; at < text.length; at += size)
        for (const value of scanner.push(Buffer.from(text.slice(at, at + size))))
          pieces.push(value.bytes.toString());
      for (const value of scanner.end()) pieces.push(value.bytes.toString());
      expect(pieces, `chunks of ${size}`).toEqual(values.map(([, bytes]) => bytes));
    }
  });

  it('cuts values over the limit and marks them', () => {
    const scanner = new JsonValueScanner(10);
    const [long, short] = scanner.push(Buffer.from('{"k":"0123456789"}{"k":1}'));
    expect(long).toMatchObject({ truncated: true });
    expect(long?.bytes.length).toBe(10);
    expect(short?.bytes.toString()).toBe('{"k":1}');
  });
});
