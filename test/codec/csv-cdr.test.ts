import { describe, expect, it } from 'vitest';
import {
  InvalidTimeZoneError,
  createZonedClock,
  csvRowsToCdrs,
  decodeCdr,
  parseCdrCsv,
} from '../../src/codec/index.js';

const NOW_MS = Date.UTC(2024, 11, 31);
const HEADER = 'call_date,call_time,caller_number,callee_number,duration_seconds';

function csv(...lines: string[]): string {
  return [HEADER, ...lines].join('\n');
}

describe('parseCdrCsv', () => {
  it('turns rows into CDR JSON that the decoder accepts', () => {
    const result = parseCdrCsv(
      '\uFEFFcall_date,call_time,caller_number,callee_number,duration_seconds,call_direction,termination_cause,location_code\n' +
        '2024-06-01,10:00:00,+2348012345678,2348098765432,2,Outbound,16,LAG-01\r\n' +
        '\n' +
        '2024-06-01,10:00:05,2348012345678,+2348098765433,0,,,\n',
      { nowMs: NOW_MS },
    );
    expect(result.fileError).toBeUndefined();
    expect(result.errors).toEqual([]);
    expect(result.rowCount).toBe(2);
    expect(result.records.map((r) => r.row)).toEqual([1, 2]);
    const [first, second] = result.records;
    expect(first?.json).toEqual({
      call_id: expect.stringMatching(/^csv-[0-9a-f]{32}$/),
      caller: '2348012345678',
      callee: '2348098765432',
      start: '2024-06-01T10:00:00.000Z',
      duration: 2,
      direction: 'outbound',
      cause: 16,
      cell: 'LAG-01',
    });
    expect(first?.cdr).toMatchObject({
      caller: 2348012345678,
      startMs: Date.UTC(2024, 5, 1, 10),
      durationSeconds: 2,
    });
    expect(second?.json).not.toHaveProperty('direction');
    for (const record of result.records) {
      const decoded = decodeCdr(new TextEncoder().encode(JSON.stringify(record.json)), { nowMs: NOW_MS });
      expect(decoded).toEqual({ ok: true, cdr: record.cdr, dropped: [] });
    }
  });

  it('accepts columns in any order and case, and whole-number durations written as decimals', () => {
    const result = parseCdrCsv(
      'Duration_Seconds , CALLEE_NUMBER,caller_number,call_time,call_date\n12.0,2348098765432,2348012345678,9:05:00,2024-06-01',
      { nowMs: NOW_MS },
    );
    expect(result.errors).toEqual([]);
    expect(result.records[0]?.cdr).toMatchObject({
      durationSeconds: 12,
      startMs: Date.UTC(2024, 5, 1, 9, 5),
    });
  });

  it('reports each bad row as "Row N: reason", counting data rows from 1', () => {
    const result = parseCdrCsv(
      csv(
        '2024-06-01,10:00:00,+2348012345678,2348098765432,2',
        '2024-06-01,10:00:00,+234ABC123,2348098765432,2',
        '2024-06-01,10:00:00,2348012345678,0123,2',
        '2024/06/01,10:00:00,2348012345678,2348098765432,2',
        '2024-02-30,10:00:00,2348012345678,2348098765432,2',
        '2024-06-01,25:00:00,2348012345678,2348098765432,2',
        '2024-06-01,10:00:00,2348012345678,2348098765432,-5',
        '2024-06-01,10:00:00,2348012345678,2348098765432,1.5',
        '2024-06-01,10:00:00,2348012345678,2348098765432,86401',
        '2024-06-01,10:00:00,,2348098765432,2',
        '2024-06-01,10:00:00,2348012345678',
        '2099-01-01,10:00:00,2348012345678,2348098765432,2',
        '1999-12-31,23:59:59,2348012345678,2348098765432,2',
      ),
      { nowMs: NOW_MS },
    );
    expect(result.rowCount).toBe(13);
    expect(result.records.map((r) => r.row)).toEqual([1]);
    expect(result.errorCount).toBe(12);
    expect(result.errors).toEqual([
      'Row 2: Invalid phone number format: +234ABC123 (caller_number)',
      'Row 3: Invalid phone number format: 0123 (callee_number)',
      'Row 4: Invalid call_date: 2024/06/01 (expected YYYY-MM-DD)',
      'Row 5: Invalid call_date: 2024-02-30 (expected YYYY-MM-DD)',
      'Row 6: Invalid call_time: 25:00:00 (expected HH:MM:SS)',
      'Row 7: Invalid duration_seconds: -5 (expected whole seconds 0..86400)',
      'Row 8: Invalid duration_seconds: 1.5 (expected whole seconds 0..86400)',
      'Row 9: Invalid duration_seconds: 86401 (expected whole seconds 0..86400)',
      'Row 10: Missing caller_number',
      'Row 11: Missing callee_number',
      'Row 12: call_date/call_time 2099-01-01 10:00:00 is in the future',
      'Row 13: call_date 1999-12-31 is before 2000-01-01',
    ]);
  });

  it('validates the optional columns', () => {
    const header = `${HEADER},call_direction,termination_cause,location_code`;
    const row = '2024-06-01,10:00:00,2348012345678,2348098765432,2';
    const result = parseCdrCsv(
      [header, `${row},sideways,,`, `${row},,128,`, `${row},,abc,`, `${row},,,${'L'.repeat(65)}`].join('\n'),
      {
        nowMs: NOW_MS,
      },
    );
    expect(result.errors).toEqual([
      'Row 1: Invalid call_direction: sideways (expected inbound or outbound)',
      'Row 2: Invalid termination_cause: 128 (expected a Q.850 cause 0..127)',
      'Row 3: Invalid termination_cause: abc (expected a Q.850 cause 0..127)',
      `Row 4: Invalid location_code: ${'L'.repeat(40)}… (expected up to 64 printable characters)`,
    ]);
  });

  it('derives the same call_id for the same row, so a re-upload deduplicates', () => {
    const text = csv(
      '2024-06-01,10:00:00,2348012345678,2348098765432,2',
      '2024-06-01,10:00:00,2348012345678,2348098765432,3',
    );
    const first = parseCdrCsv(text, { nowMs: NOW_MS }).records.map((r) => r.json.call_id);
    const again = parseCdrCsv(text, { nowMs: NOW_MS }).records.map((r) => r.json.call_id);
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(2);
  });

  it('reports unusable files instead of rows', () => {
    expect(parseCdrCsv('').fileError).toBe('CSV is empty: expected a header row');
    expect(parseCdrCsv('call_date,call_time,caller\n2024-06-01,10:00:00,1').fileError).toBe(
      'Missing required columns: caller_number, callee_number, duration_seconds',
    );
    expect(parseCdrCsv(`${HEADER}\n"2024-06-01,10:00:00`).fileError).toMatch(/^CSV could not be parsed: /);
  });

  it('caps the listed errors but counts them all', () => {
    const rows = Array.from({ length: 30 }, () => '2024-06-01,10:00:00,bad,2348098765432,2');
    const result = csvRowsToCdrs([HEADER.split(','), ...rows.map((r) => r.split(','))], {
      nowMs: NOW_MS,
      maxErrors: 5,
    });
    expect(result.errors).toHaveLength(5);
    expect(result.errorCount).toBe(30);
    expect(result.errors[4]).toBe('Row 5: Invalid phone number format: bad (caller_number)');
  });
});

describe('zone-less CSV times', () => {
  it('reads call_date/call_time in the configured IANA zone', () => {
    const row = csv('2024-06-01,11:00:00,2348012345678,2348098765432,2');
    expect(parseCdrCsv(row, { nowMs: NOW_MS, timeZone: 'Africa/Lagos' }).records[0]?.cdr.startMs).toBe(
      Date.UTC(2024, 5, 1, 10),
    );
    expect(parseCdrCsv(row, { nowMs: NOW_MS }).records[0]?.cdr.startMs).toBe(Date.UTC(2024, 5, 1, 11));
  });

  it('handles daylight-saving transitions', () => {
    const newYork = createZonedClock('America/New_York');
    const at = (month: number, day: number, hour: number, minute: number): number =>
      newYork({ year: 2024, month, day, hour, minute, second: 0 });
    expect(at(1, 15, 12, 0)).toBe(Date.UTC(2024, 0, 15, 17));
    expect(at(7, 15, 12, 0)).toBe(Date.UTC(2024, 6, 15, 16));
    // 02:30 on 10 March does not exist (clocks jump 02:00 → 03:00): read with EST, i.e. 03:30 EDT.
    expect(at(3, 10, 2, 30)).toBe(Date.UTC(2024, 2, 10, 7, 30));
    // 01:30 on 3 November happens twice: the first (EDT) one.
    expect(at(11, 3, 1, 30)).toBe(Date.UTC(2024, 10, 3, 5, 30));
    expect(at(11, 3, 3, 0)).toBe(Date.UTC(2024, 10, 3, 8));
    const kolkata = createZonedClock('Asia/Kolkata');
    expect(kolkata({ year: 2024, month: 6, day: 1, hour: 15, minute: 30, second: 0 })).toBe(
      Date.UTC(2024, 5, 1, 10),
    );
  });

  it('rejects an unknown zone as a configuration error', () => {
    expect(() => parseCdrCsv(csv(), { timeZone: 'Mars/Olympus' })).toThrow(InvalidTimeZoneError);
  });
});
