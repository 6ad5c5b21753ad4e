import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { riskLevel, riskScore } from '../../src/api/index.js';
import { sdhfSeverity } from '../../src/windows/index.js';

describe('riskScore (the predecessor formula)', () => {
  it('matches worked examples', () => {
    // 100+ distinct, 0 s average, 200+ calls: every term at its maximum.
    expect(riskScore({ callCount: 250, uniqueDestinations: 150, avgDurationSeconds: 0 })).toBe(1);
    // 50 distinct (0.25) + avg 1.5 s (0.15) + 100 calls (0.1) = 0.5
    expect(riskScore({ callCount: 100, uniqueDestinations: 50, avgDurationSeconds: 1.5 })).toBe(0.5);
    // Long calls contribute nothing for shortness.
    expect(riskScore({ callCount: 10, uniqueDestinations: 10, avgDurationSeconds: 120 })).toBe(0.06);
    expect(riskScore({ callCount: 0, uniqueDestinations: 0, avgDurationSeconds: 0 })).toBe(0);
  });

  it('stays within [0, 1] with two decimals and never falls when fan-out grows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 0, max: 86_400, noNaN: true }),
        (calls, distinct, avg) => {
          const score = riskScore({
            callCount: calls,
            uniqueDestinations: distinct,
            avgDurationSeconds: avg,
          });
          expect(score).toBeGreaterThanOrEqual(0);
          expect(score).toBeLessThanOrEqual(1);
          expect(Math.round(score * 100)).toBeCloseTo(score * 100, 6);
          const more = riskScore({
            callCount: calls,
            uniqueDestinations: distinct + 1,
            avgDurationSeconds: avg,
          });
          expect(more).toBeGreaterThanOrEqual(score);
        },
      ),
    );
  });

  it('bands: < 0.3 low, < 0.6 medium, ≤ 0.8 high, above critical', () => {
    expect([0, 0.29, 0.3, 0.59, 0.6, 0.8, 0.81, 1].map(riskLevel)).toEqual([
      'low',
      'low',
      'medium',
      'medium',
      'high',
      'high',
      'critical',
      'critical',
    ]);
  });
});

describe('sdhfSeverity (the seed’s documented table)', () => {
  it('grades CRITICAL, HIGH, MEDIUM and — unlike the seed’s code — LOW', () => {
    expect(sdhfSeverity(200, 1.5)).toBe('CRITICAL');
    expect(sdhfSeverity(200, 1.6)).toBe('HIGH');
    expect(sdhfSeverity(100, 2.0)).toBe('HIGH');
    expect(sdhfSeverity(99, 2.0)).toBe('MEDIUM');
    expect(sdhfSeverity(75, 2.9)).toBe('MEDIUM');
    expect(sdhfSeverity(51, 1.0)).toBe('MEDIUM');
    expect(sdhfSeverity(51, 2.9)).toBe('LOW');
  });
});
