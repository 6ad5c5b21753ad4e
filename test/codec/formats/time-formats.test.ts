import { describe, expect, it } from 'vitest';
import { InvalidTimeZoneError, createTimeReader, timeFormatProblem } from '../../../src/codec/index.js';

const AT = Date.UTC(2024, 4, 29, 16, 59, 50); // 1717001990 s

describe('createTimeReader', () => {
  it('reads epoch seconds, milliseconds and microseconds from numbers and strings', () => {
    expect(createTimeReader('epoch_s')('1717001990')).toBe(AT);
    expect(createTimeReader('epoch_s')(1717001990.25)).toBe(AT + 250);
    expect(createTimeReader('epoch_ms')(`${AT}`)).toBe(AT);
    expect(createTimeReader('epoch_us')('1717001990123456')).toBe(AT + 123);
    expect(createTimeReader('epoch_us')('1717001990123000')).toBe(AT + 123);
    expect(createTimeReader('epoch_s')('yesterday')).toBeNaN();
    expect(createTimeReader('epoch_s')(-5)).toBeNaN();
  });

  it('reads ISO-8601 exactly when it has a zone and in the configured zone when not', () => {
    const lagos = createTimeReader('iso', 'Africa/Lagos');
    expect(lagos('2024-05-29T16:59:50Z')).toBe(AT);
    expect(lagos('2024-05-29T17:59:50+01:00')).toBe(AT);
    expect(lagos('2024-05-29 17:59:50')).toBe(AT);
    expect(lagos('2024-05-29T17:59:50.5')).toBe(AT + 500);
    expect(lagos('29/05/2024')).toBeNaN();
  });

  it('reads patterns in the configured zone, across a daylight-saving change', () => {
    const asterisk = createTimeReader('YYYY-MM-DD HH:mm:ss', 'Europe/Berlin');
    expect(asterisk('2024-05-29 18:59:50')).toBe(AT);
    expect(asterisk('2024-01-10 13:00:00')).toBe(Date.UTC(2024, 0, 10, 12, 0, 0));
    const dayFirst = createTimeReader('DD/MM/YYYY HH:mm', 'UTC');
    expect(dayFirst('29/05/2024 16:59')).toBe(AT - 50_000);
    expect(dayFirst('31/02/2024 16:59')).toBeNaN();
    const zoned = createTimeReader('YYYY-MM-DDTHH:mm:ss.SSSZ', 'Asia/Tokyo');
    expect(zoned('2024-05-29T17:59:50.250+01:00')).toBe(AT + 250);
    expect(zoned('2024-05-29T16:59:50.250Z')).toBe(AT + 250);
  });

  it('explains formats it cannot use and refuses unknown zones', () => {
    expect(timeFormatProblem('iso')).toBeUndefined();
    expect(timeFormatProblem('YYYY-MM-DD HH:mm:ss')).toBeUndefined();
    expect(timeFormatProblem('YYYY/MM/DD')).toMatch(/needs HH, mm/);
    expect(timeFormatProblem('yyyy-MM-dd HH:mm')).toMatch(/unknown token/);
    expect(() => createTimeReader('iso', 'Mars/Olympus')).toThrow(InvalidTimeZoneError);
  });
});
