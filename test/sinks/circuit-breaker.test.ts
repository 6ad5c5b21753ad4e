import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerState } from '../../src/sinks/index.js';
import { backoffDelayMs } from '../../src/sinks/retry-backoff.js';

function breakerWithClock(failureThreshold: number, resetMs: number) {
  let nowMs = 1_000;
  const changes: BreakerState[] = [];
  const breaker = new CircuitBreaker({
    failureThreshold,
    resetMs,
    now: () => nowMs,
    onChange: (s) => changes.push(s),
  });
  return { breaker, changes, advance: (ms: number) => (nowMs += ms) };
}

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures, not before', () => {
    const { breaker, changes } = breakerWithClock(3, 500);
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state()).toBe('closed');
    expect(breaker.msUntilAttempt()).toBe(0);
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
    expect(breaker.msUntilAttempt()).toBe(500);
    expect(changes).toEqual(['open']);
  });

  it('a success in between resets the count', () => {
    const { breaker } = breakerWithClock(2, 500);
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    expect(breaker.state()).toBe('closed');
  });

  it('half-opens after the reset time; a successful trial closes it', () => {
    const { breaker, changes, advance } = breakerWithClock(1, 500);
    breaker.recordFailure();
    advance(499);
    expect(breaker.state()).toBe('open');
    expect(breaker.msUntilAttempt()).toBe(1);
    advance(1);
    expect(breaker.state()).toBe('half-open');
    expect(breaker.msUntilAttempt()).toBe(0);
    breaker.recordSuccess();
    expect(breaker.state()).toBe('closed');
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('a failed trial opens it again for a full reset period', () => {
    const { breaker, changes, advance } = breakerWithClock(3, 500);
    for (let i = 0; i < 3; i += 1) breaker.recordFailure();
    advance(600);
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
    expect(breaker.msUntilAttempt()).toBe(500);
    expect(changes).toEqual(['open', 'half-open', 'open']);
  });

  it('refuses a threshold that is not a positive integer', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(RangeError);
  });
});

describe('backoffDelayMs', () => {
  it('doubles from the base, caps at the maximum, and jitters within the upper half', () => {
    expect(backoffDelayMs(1, 100, 5_000, () => 0)).toBe(50);
    expect(backoffDelayMs(1, 100, 5_000, () => 1)).toBe(100);
    expect(backoffDelayMs(4, 100, 5_000, () => 1)).toBe(800);
    expect(backoffDelayMs(40, 100, 5_000, () => 0)).toBe(2_500);
    expect(backoffDelayMs(40, 100, 5_000, () => 1)).toBe(5_000);
  });
});
