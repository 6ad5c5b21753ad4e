/**
 * The asterisk-csv profile against a Master.csv written from cdr_csv's documentation and source: CRLF line
 * ends, quoted fields holding commas and doubled quotes, an empty answer on unanswered calls, billsec 0, the
 * optional uniqueid/userfield and newcdrcolumns tails, and times local to the server's zone.
 */
import { describe, expect, it } from 'vitest';
import { convertDocument, convertRecordBytes, profileByName } from '../../../src/codec/index.js';
import { fixtureBytes, fixtureText } from './fixtures.js';

const profile = profileByName('asterisk-csv', {
  timeZone: 'Africa/Lagos',
  numberPlan: { countryCode: '234', trunkPrefix: '0' },
});

describe('asterisk-csv profile', () => {
  const result = convertDocument(profile, fixtureBytes('asterisk-master.csv'));
  const byRow = new Map(result.records.map((record) => [record.row, record.cdr]));

  it('reads every row of a header-less Master.csv with CRLF line ends', () => {
    expect(result.fileError).toBeUndefined();
    expect(result.rowCount).toBe(6);
    expect([...byRow.keys()]).toEqual([1, 2, 3, 4, 6]);
  });

  it('maps an answered call: local start time, billsec, uniqueid, trunks from the channels', () => {
    expect(byRow.get(1)).toEqual({
      callId: '1717001990.26',
      caller: 2348031234567,
      callee: 2348057654321,
      startMs: Date.UTC(2024, 4, 29, 16, 59, 50),
      durationSeconds: 42,
      answered: true,
      trunkIn: 'SIP/carrier-a',
      trunkOut: 'SIP/gsm-gw',
    });
  });

  it('maps an unanswered call with an empty answer field to duration 0, not answered', () => {
    expect(byRow.get(2)).toMatchObject({ callId: '1717002092.27', durationSeconds: 0, answered: false });
  });

  it('hashes the row for a call_id when uniqueid is not logged, and normalises + and 00', () => {
    const busy = byRow.get(3);
    expect(busy?.callId).toMatch(/^ast-[0-9a-f]{32}$/);
    expect(busy).toMatchObject({
      caller: 2348031234567,
      callee: 34688886392,
      answered: false,
      trunkIn: 'PJSIP/1001',
    });
    const again = convertDocument(profile, fixtureBytes('asterisk-master.csv'));
    expect(again.records.find((record) => record.row === 3)?.cdr.callId).toBe(busy?.callId);
  });

  it("takes the caller from clid when src is empty, and strips a Local channel's ;1", () => {
    expect(byRow.get(4)).toMatchObject({
      caller: 2348031234567,
      callee: 2348057654321,
      trunkIn: 'Local/100@from-internal',
    });
  });

  it('reports a dialplan extension as callee as a bad row', () => {
    expect(result.errors).toEqual([expect.stringMatching(/^Row 5: callee must be an E\.164 number/)]);
  });

  it('appends the sequence of newcdrcolumns to the uniqueid', () => {
    expect(byRow.get(6)?.callId).toBe('pbx1-1717002480.32#3');
  });

  it('converts one line on its own (a feed message), with or without its line end', () => {
    const line = fixtureText('asterisk-master.csv').split('\r\n')[0] ?? '';
    for (const bytes of [Buffer.from(line), Buffer.from(`${line}\r\n`)]) {
      const one = convertRecordBytes(profile, bytes);
      expect(one.ok && one.cdr.callId).toBe('1717001990.26');
    }
    expect(convertRecordBytes(profile, Buffer.from('"a","b"'))).toMatchObject({ reason: 'invalid_csv' });
    expect(convertRecordBytes(profile, Buffer.from(`${line}\n${line}`))).toMatchObject({
      reason: 'invalid_csv',
    });
    const badTime = line.replace('"2024-05-29 17:59:50"', '"29.05.2024 17:59"');
    expect(convertRecordBytes(profile, Buffer.from(badTime))).toMatchObject({
      reason: 'invalid_start',
      field: 'start',
    });
  });

  it('reads times in UTC unless told the zone, and keeps national numbers without a country code', () => {
    const utc = convertDocument(profileByName('asterisk-csv'), fixtureBytes('asterisk-master.csv'));
    // Without a numbering plan 0803… stays national and is rejected; +234… and 00… still work.
    expect(utc.records.map((record) => record.row)).toEqual([3]);
    expect(utc.records[0]?.cdr.startMs).toBe(Date.UTC(2024, 4, 29, 18, 5, 0));
  });
});
