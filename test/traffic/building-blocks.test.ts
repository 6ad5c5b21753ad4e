import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AliasTable } from '../../src/traffic/alias-table.js';
import { digitsOf } from '../../src/traffic/digit-strings.js';
import { activityAtHour } from '../../src/traffic/diurnal-rhythm.js';
import { MOBILE_NUMBER_CAPACITY, NumberPlan, withLuhn } from '../../src/traffic/number-plan.js';
import { hash32, Prng } from '../../src/traffic/prng.js';

describe('Prng', () => {
  it('repeats its sequence for the same seed and keys, and differs otherwise', () => {
    const draw = (prng: Prng): number[] => Array.from({ length: 8 }, () => prng.nextUint32());
    expect(draw(new Prng(1, 2, 3))).toEqual(draw(new Prng(1, 2, 3)));
    expect(draw(new Prng(1, 2, 3))).not.toEqual(draw(new Prng(1, 2, 4)));
    expect(draw(new Prng(1))).not.toEqual(draw(new Prng(2)));
  });

  it('draws uniform, exponential and log-normal values with the right moments', () => {
    const prng = new Prng(99);
    const n = 50_000;
    let sum = 0;
    let expSum = 0;
    const logs: number[] = [];
    for (let i = 0; i < n; i++) {
      sum += prng.next();
      expSum += prng.exponential(10);
      logs.push(Math.log(prng.logNormal(60, 1.6)));
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(expSum / n).toBeGreaterThan(9.7);
    expect(expSum / n).toBeLessThan(10.3);
    const mean = logs.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(mean).toBeCloseTo(Math.log(60), 1);
    expect(sd).toBeCloseTo(1.6, 1);
  });
});

describe('AliasTable', () => {
  it('samples in proportion to the weights', () => {
    const weights = new Float64Array([1, 0, 3, 6]);
    const table = new AliasTable(weights);
    const prng = new Prng(5);
    const counts = [0, 0, 0, 0];
    const n = 100_000;
    for (let i = 0; i < n; i++) counts[table.sample(prng)]! += 1;
    expect(counts[1]).toBe(0);
    expect((counts[0] as number) / n).toBeCloseTo(0.1, 2);
    expect((counts[2] as number) / n).toBeCloseTo(0.3, 2);
    expect((counts[3] as number) / n).toBeCloseTo(0.6, 2);
  });
});

describe('digitsOf', () => {
  it('matches String() for every integer below 10^16', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        const value = n % 1e16;
        expect(digitsOf(value)).toBe(String(value));
      }),
      { numRuns: 5_000 },
    );
    for (const edge of [0, 9_999, 10_000, 99_999_999, 100_000_000, 1e12 - 1, 1e12, 1e16 - 2]) {
      expect(digitsOf(edge)).toBe(String(edge));
    }
  });
});

describe('NumberPlan', () => {
  it('gives distinct 13-digit E.164 numbers and valid IMSIs/IMEIs', () => {
    const plan = new NumberPlan(3);
    const seen = new Set<number>();
    for (let i = 0; i < 20_000; i++) seen.add(plan.mobileNumber(i));
    seen.add(plan.mobileNumber(MOBILE_NUMBER_CAPACITY - 1));
    expect(seen.size).toBe(20_001);
    for (const number of [...seen].slice(0, 1000)) expect(String(number)).toMatch(/^234[789]\d{9}$/);
    expect(String(plan.imsi(12345))).toMatch(/^62130\d{10}$/);
    const imei = String(plan.handsetImei(12345));
    expect(imei).toMatch(/^\d{15}$/);
    expect(luhnValid(imei)).toBe(true);
    expect(luhnValid(String(plan.gatewayImei(2)))).toBe(true);
    expect(String(withLuhn(49_015_420_323_751))).toBe('490154203237518'); // the textbook example
  });
});

describe('daily rhythm', () => {
  it('averages 1 over a day, with a trough at night', () => {
    let sum = 0;
    for (let minute = 0; minute < 24 * 60; minute++) sum += activityAtHour(minute / 60);
    expect(sum / (24 * 60)).toBeCloseTo(1, 2);
    expect(activityAtHour(3.5)).toBeLessThan(0.15);
    expect(activityAtHour(19)).toBeGreaterThan(1.5);
  });
});

describe('hash32', () => {
  it('spreads consecutive keys evenly', () => {
    const buckets = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) buckets[hash32(1, i) % 16]! += 1;
    for (const count of buckets) expect(Math.abs(count - 1000)).toBeLessThan(150);
  });
});

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}
