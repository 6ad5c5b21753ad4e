/** Exponential backoff with jitter, and a sleep that `close()` can cut short. */

/**
 * Delay before retry number `attempt` (1 = first retry): `baseMs * 2^(attempt-1)` capped at `maxMs`, then
 * "equal jitter" (half fixed, half random) so workers that failed together do not retry in lockstep, while
 * the delay still never drops below half the nominal value.
 */
export function backoffDelayMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const nominal = Math.min(maxMs, baseMs * 2 ** exponent);
  return nominal / 2 + random() * (nominal / 2);
}

/** Timers that can all be woken at once (on close), so a retry loop never outlives its owner. */
export class WakeableSleeper {
  private readonly sleeping = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleeping.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeping.add(wake);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.sleeping]) wake();
  }
}
