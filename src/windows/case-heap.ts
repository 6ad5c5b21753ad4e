/**
 * The cases waiting for the clock, ordered by when they are due (closing an open case after its quiet period,
 * forgetting a closed one after its reopen period). An indexed binary min-heap: each case sits in it once and
 * knows its position, so moving its due time is one sift, and the clock looks only at the top — nothing is
 * paid per event while no case is due. Ties are broken by (rule, caller), so cases due at the same moment are
 * handled in the same order on every replay, whatever order they entered the heap in.
 */

export interface Scheduled {
  dueMs: number;
  ruleIndex: number;
  caller: number;
  /** Position in the heap, −1 when not in it. Owned by the heap. */
  heapIndex: number;
}

function before(a: Scheduled, b: Scheduled): boolean {
  if (a.dueMs !== b.dueMs) return a.dueMs < b.dueMs;
  if (a.ruleIndex !== b.ruleIndex) return a.ruleIndex < b.ruleIndex;
  return a.caller < b.caller;
}

export class CaseHeap<T extends Scheduled> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  /** Inserts the item, or moves it to its place after its `dueMs` changed. */
  schedule(item: T): void {
    if (item.heapIndex < 0) {
      item.heapIndex = this.items.length;
      this.items.push(item);
      this.up(item.heapIndex);
      return;
    }
    this.up(item.heapIndex);
    this.down(item.heapIndex);
  }

  remove(item: T): void {
    const i = item.heapIndex;
    if (i < 0) return;
    const last = this.items.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    this.items[i] = last;
    last.heapIndex = i;
    this.up(i);
    this.down(last.heapIndex);
  }

  clear(): void {
    for (const item of this.items) item.heapIndex = -1;
    this.items.length = 0;
  }

  private up(i: number): void {
    const items = this.items;
    const item = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, items[parent]!)) break;
      items[i] = items[parent]!;
      items[i]!.heapIndex = i;
      i = parent;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  private down(i: number): void {
    const items = this.items;
    const item = items[i]!;
    const n = items.length;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(items[child + 1]!, items[child]!)) child++;
      if (!before(items[child]!, item)) break;
      items[i] = items[child]!;
      items[i]!.heapIndex = i;
      i = child;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}
