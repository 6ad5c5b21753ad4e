import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentIds } from '../../../src/engine/worker/recent-ids.js';

describe('RecentIds', () => {
  it('continues from toArray() exactly as the original would, and keeps the newest when capacity shrinks', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 60 }),
        (capacity, before, after) => {
          const original = new RecentIds(capacity);
          for (const n of before) original.add(String(n));
          const copy = RecentIds.from(capacity, original.toArray());
          expect(copy.toArray()).toEqual(original.toArray());
          for (const n of after) expect(copy.add(String(n))).toBe(original.add(String(n)));
        },
      ),
    );
    const shrunk = RecentIds.from(2, ['a', 'b', 'c']);
    expect(shrunk.toArray()).toEqual(['b', 'c']);
    expect(shrunk.add('a')).toBe(true);
  });

  it('reports duplicates within its capacity and forgets the oldest beyond it', () => {
    const ids = new RecentIds(3);
    expect(ids.add('a')).toBe(true);
    expect(ids.add('a')).toBe(false);
    expect(ids.add('b')).toBe(true);
    expect(ids.add('c')).toBe(true);
    expect(ids.add('d')).toBe(true); // evicts a
    expect(ids.size).toBe(3);
    expect(ids.add('a')).toBe(true);
    expect(ids.add('d')).toBe(false);
  });

  it('matches a sliding-window reference on random id streams', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 200 }),
        (capacity, stream) => {
          const ids = new RecentIds(capacity);
          const window: string[] = [];
          for (const n of stream) {
            const id = String(n);
            const expectedNew = !window.includes(id);
            expect(ids.add(id)).toBe(expectedNew);
            if (expectedNew) {
              window.push(id);
              if (window.length > capacity) window.shift();
            }
          }
        },
      ),
    );
  });

  it('matches the reference with long, multi-byte and colliding-prefix ids through many evictions', () => {
    // Ids longer than a 64-byte slot take the side set; multi-byte ones are compared as UTF-8 bytes. Many
    // evictions exercise the table's deletions (a lost or misplaced entry shows as a wrong answer here).
    const pool = Array.from({ length: 600 }, (_v, i) =>
      i % 50 === 0
        ? `long-${'x'.repeat(70)}-${i}`
        : i % 7 === 0
          ? `ид-📞-${i}`
          : `bk-12345-${i.toString(36)}`,
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.integer({ min: 0, max: 599 }), { minLength: 500, maxLength: 3_000 }),
        (capacity, stream) => {
          const ids = new RecentIds(capacity);
          const window: string[] = [];
          for (const n of stream) {
            const id = pool[n]!;
            const expectedNew = !window.includes(id);
            expect(ids.add(id)).toBe(expectedNew);
            if (expectedNew) {
              window.push(id);
              if (window.length > capacity) window.shift();
            }
          }
          expect(ids.size).toBe(window.length);
          expect(ids.toArray()).toEqual(window);
        },
      ),
      { numRuns: 40 },
    );
  });
});
