import { describe, expect, it } from 'vitest';
import { fieldOf } from '../../src/api/error-handling.js';

describe('fieldOf', () => {
  it('joins the request part and the JSON pointer', () => {
    expect(fieldOf('querystring', { instancePath: '/limit', keyword: 'maximum' })).toBe('querystring.limit');
    expect(fieldOf('body', { instancePath: '/thresholds/0/window_seconds', keyword: 'type' })).toBe(
      'body.thresholds.0.window_seconds',
    );
  });

  it('names the missing property of a required error', () => {
    expect(
      fieldOf('body', { instancePath: '', keyword: 'required', params: { missingProperty: 'reviewed' } }),
    ).toBe('body.reviewed');
  });

  it('unescapes JSON pointer segments', () => {
    expect(fieldOf('body', { instancePath: '/a~1b/c~0d', keyword: 'type' })).toBe('body.a/b.c~d');
  });
});
