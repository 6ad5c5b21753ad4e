import { describe, expect, it } from 'vitest';
import { normaliseNumber, numberPlanProblem } from '../../../src/codec/index.js';

const NIGERIA = { countryCode: '234', trunkPrefix: '0' };

describe('normaliseNumber', () => {
  it('turns national numbers into E.164 digits with the country code', () => {
    expect(normaliseNumber('08031234567', NIGERIA)).toBe('2348031234567');
  });

  it('strips + and the 00 international prefix', () => {
    expect(normaliseNumber('+2348031234567', NIGERIA)).toBe('2348031234567');
    expect(normaliseNumber('002348031234567', NIGERIA)).toBe('2348031234567');
    expect(normaliseNumber('0034688886392')).toBe('34688886392');
  });

  it('leaves international numbers written without + as they are', () => {
    expect(normaliseNumber('2348031234567', NIGERIA)).toBe('2348031234567');
  });

  it('drops spaces, dashes, dots and brackets', () => {
    expect(normaliseNumber(' +234 (803) 123-4567 ', NIGERIA)).toBe('2348031234567');
    expect(normaliseNumber('0803.123.4567', NIGERIA)).toBe('2348031234567');
  });

  it('keeps national numbers without a country code, and other prefixes when configured', () => {
    expect(normaliseNumber('08031234567')).toBe('08031234567');
    expect(
      normaliseNumber('8-555-0100', { countryCode: '7', trunkPrefix: '8', internationalPrefix: '810' }),
    ).toBe('75550100');
    expect(
      normaliseNumber('8108031234567', { countryCode: '7', trunkPrefix: '8', internationalPrefix: '810' }),
    ).toBe('8031234567');
  });

  it('returns text that is not a number unchanged, for the validator to reject', () => {
    expect(normaliseNumber('anonymous', NIGERIA)).toBe('anonymous');
    expect(normaliseNumber('+234ABC', NIGERIA)).toBe('+234ABC');
    expect(normaliseNumber('  s ', NIGERIA)).toBe('s');
  });

  it('names the wrong part of a numbering plan', () => {
    expect(numberPlanProblem(NIGERIA)).toBeUndefined();
    expect(numberPlanProblem({ countryCode: '0234' })?.key).toBe('countryCode');
    expect(numberPlanProblem({ trunkPrefix: 'x' })?.key).toBe('trunkPrefix');
    expect(numberPlanProblem({ internationalPrefix: '' })?.key).toBe('internationalPrefix');
  });
});
