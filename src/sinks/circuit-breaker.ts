/**
 * A circuit breaker for the sink's database attempts. After `failureThreshold` consecutive failures it opens:
 * no attempt is made for `resetMs`, so a Postgres that is down is not hammered by every worker. Then it is
 * half-open: one trial attempt; success closes it, failure opens it for another `resetMs`.
 */
import type { BreakerState } from './batch-types.js';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. @default 5 */
  failureThreshold?: number;
  /** How long it stays open before a trial attempt. @default 5_000 */
  resetMs?: number;
  /** Called on every state change. */
  onChange?: (state: BreakerState) => void;
  /** Injected clock for tests. @default Date.now */
  now?: () => number;
}

export class CircuitBreaker {
  private readonly failureThreshold: number;
  private readonly resetMs: number;
  private readonly onChange: (state: BreakerState) => void;
  private readonly now: () => number;
  private current: BreakerState = 'closed';
  private consecutiveFailures = 0;
  private openedAtMs = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 5;
    this.resetMs = options.resetMs ?? 5_000;
    if (!Number.isInteger(this.failureThreshold) || this.failureThreshold < 1) {
      throw new RangeError('options.failureThreshold must be a positive integer');
    }
    if (!(this.resetMs >= 0)) throw new RangeError('options.resetMs must be a non-negative number');
    this.onChange = options.onChange ?? (() => undefined);
    this.now = options.now ?? Date.now;
  }

  /** The state now; an open breaker whose reset time has passed turns half-open here. */
  state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAtMs >= this.resetMs) this.transition('half-open');
    return this.current;
  }

  /** Milliseconds until an attempt is allowed: 0 unless open. */
  msUntilAttempt(): number {
    if (this.state() !== 'open') return 0;
    return Math.max(0, this.openedAtMs + this.resetMs - this.now());
  }

  get failures(): number {
    return this.consecutiveFailures;
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    if (this.current !== 'closed') this.transition('closed');
  }

  recordFailure(): void {
    this.consecutiveFailures += 1;
    const trialFailed = this.state() === 'half-open';
    if (trialFailed || (this.current === 'closed' && this.consecutiveFailures >= this.failureThreshold)) {
      this.openedAtMs = this.now();
      this.transition('open');
    }
  }

  private transition(next: BreakerState): void {
    this.current = next;
    this.onChange(next);
  }
}
