/**
 * Callers waiting for a stream sequence to be reached (applied to the windows, committed to Postgres): each
 * wait resolves true once `release` passes its sequence, false after its timeout or on `cancel`.
 */
interface Waiter {
  seq: number;
  resolve(reached: boolean): void;
}

export class SeqWaiters {
  private waiters: Waiter[] = [];

  wait(seq: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const waiter: Waiter = { seq, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) {
          this.waiters.splice(at, 1);
          resolve(false);
        }
      }, timeoutMs).unref();
    });
  }

  /** Resolves every wait for a sequence at or below `seq`. Cheap when nobody waits (it runs per message). */
  release(seq: number): void {
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.seq > seq) return true;
      waiter.resolve(true);
      return false;
    });
  }

  /** Resolves every wait with false. */
  cancel(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.resolve(false);
  }
}
