/**
 * Stream sequences handled but not yet committed to Postgres, with their stored (arrival) times, oldest
 * first: enough to say how old the oldest uncommitted record is (the sink-lag gauge). Numbers in typed arrays
 * instead of the messages themselves, so a full sink buffer does not keep thousands of message objects alive.
 */
export class UncommittedQueue {
  private seqs = new Float64Array(1_024);
  private storedMs = new Float64Array(1_024);
  private head = 0;
  private tail = 0;

  push(seq: number, storedMs: number): void {
    if (this.tail === this.seqs.length) this.compact();
    this.seqs[this.tail] = seq;
    this.storedMs[this.tail] = storedMs;
    this.tail++;
  }

  /** Forgets everything at or below `seq` (committed). */
  release(seq: number): void {
    while (this.head < this.tail && this.seqs[this.head]! <= seq) this.head++;
    if (this.head === this.tail) this.head = this.tail = 0;
  }

  /** Stored time of the oldest uncommitted message, or +Infinity when none is waiting. */
  oldestStoredMs(): number {
    return this.head < this.tail ? this.storedMs[this.head]! : Number.POSITIVE_INFINITY;
  }

  get size(): number {
    return this.tail - this.head;
  }

  /** Moves the live entries to the front, growing the arrays when they are more than half full. */
  private compact(): void {
    const live = this.tail - this.head;
    const capacity = live * 2 > this.seqs.length ? this.seqs.length * 2 : this.seqs.length;
    const seqs = new Float64Array(capacity);
    const stored = new Float64Array(capacity);
    seqs.set(this.seqs.subarray(this.head, this.tail));
    stored.set(this.storedMs.subarray(this.head, this.tail));
    this.seqs = seqs;
    this.storedMs = stored;
    this.head = 0;
    this.tail = live;
  }
}
