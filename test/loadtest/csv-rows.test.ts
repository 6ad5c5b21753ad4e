import { describe, expect, it } from 'vitest';
import { cdrJsonToCsvRow, CSV_HEADER } from '../../loadtest/lib/index.js';
import { generateTraffic } from '../../src/traffic/index.js';
import { parseCdrCsv } from '../../src/codec/index.js';
import { HOUR_MS, MONDAY_MS } from '../traffic/traffic-fixtures.js';

describe('CSV rows', () => {
  it('are accepted by the engine CSV reader for valid records and rejected for malformed ones', () => {
    const { records } = generateTraffic({
      seed: 5,
      subscribers: 800,
      startMs: MONDAY_MS + 9 * HOUR_MS,
      durationMs: 2 * HOUR_MS,
      malformedRate: 0.02,
      sdhfCallers: 1,
      simBoxes: 1,
      simsPerBox: 4,
    });
    const valid: string[] = [];
    const malformed: string[] = [];
    for (const record of records)
      (record.kind === 'malformed' ? malformed : valid).push(cdrJsonToCsvRow(record.json));
    expect(valid.length).toBeGreaterThan(500);
    expect(malformed.length).toBeGreaterThan(5);

    const nowMs = MONDAY_MS + 30 * 24 * HOUR_MS;
    const good = parseCdrCsv(`${CSV_HEADER}\n${valid.join('\n')}\n`, { nowMs });
    expect(good.fileError).toBeUndefined();
    expect(good.errors).toEqual([]);
    expect(good.records).toHaveLength(valid.length);

    const bad = parseCdrCsv(`${CSV_HEADER}\n${malformed.join('\n')}\n`, { nowMs });
    expect(bad.fileError).toBeUndefined();
    expect(bad.errorCount).toBe(malformed.length);
    for (const error of bad.errors) expect(error).toMatch(/^Row \d+: /);
  });

  it('carry the record fields: UTC date and time, digits, duration, direction, cause, cell', () => {
    const row = cdrJsonToCsvRow(
      '{"call_id":"x","caller":"+2348031234567","callee":"2348061234567","start":1736157622000,"duration":47,' +
        '"answered":true,"direction":"outbound","cause":16,"cell":"621-30-1042-2093","switch":"S"}',
    );
    expect(row).toBe('2025-01-06,10:00:22,+2348031234567,2348061234567,47,outbound,16,621-30-1042-2093');
  });
});
