import { describe, expect, it } from 'vitest';
import { maskForLog } from '../../src/api/index.js';

describe('maskForLog', () => {
  it('masks the middle digits of every phone-number-like run, keeping a leading +', () => {
    expect(maskForLog('/api/v1/sentinel/callers/+2348012345678')).toBe(
      '/api/v1/sentinel/callers/+2348*****5678',
    );
    expect(maskForLog('/alerts?caller=2348012345678&limit=5')).toBe('/alerts?caller=2348*****5678&limit=5');
  });

  it('leaves short numbers such as limits, ids and window sizes alone', () => {
    expect(maskForLog('/alerts/123456?limit=1000')).toBe('/alerts/123456?limit=1000');
  });

  it('redacts credentials passed in the query string', () => {
    expect(maskForLog('/ws/alerts?access_token=secret.jwt.value&severity=HIGH')).toBe(
      '/ws/alerts?access_token=<redacted>&severity=HIGH',
    );
    expect(maskForLog('/x?api_key=abc')).toBe('/x?api_key=<redacted>');
  });
});
