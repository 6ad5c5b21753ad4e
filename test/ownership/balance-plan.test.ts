import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { balancePlan, targets, type OwnershipView } from '../../src/ownership/index.js';

function view(members: string[], holders: [number, string][] = []): OwnershipView {
  return { members, holders: new Map(holders) };
}

/** Plays balancing rounds until nothing changes; returns holders and how many times a partition moved. */
function converge(members: string[], partitions: number, start: Map<number, string>) {
  const holders = new Map(start);
  let moves = 0;
  for (let round = 0; round < 50; round++) {
    let changed = false;
    for (const me of members) {
      const held = new Set([...holders].filter(([, owner]) => owner === me).map(([p]) => p));
      const plan = balancePlan(view(members, [...holders]), me, partitions, held);
      for (const partition of plan.release) {
        holders.delete(partition);
        changed = true;
      }
      for (const partition of plan.claim.slice(0, plan.target - held.size)) {
        if (holders.has(partition)) continue;
        if (start.get(partition) !== undefined && start.get(partition) !== me) moves++;
        holders.set(partition, me);
        changed = true;
      }
    }
    if (!changed) return { holders, moves };
  }
  throw new Error('did not converge');
}

describe('targets', () => {
  it('splits evenly and gives the remainder to members that hold the most', () => {
    const split = targets(
      view(
        ['a', 'b', 'c'],
        [
          [0, 'b'],
          [1, 'b'],
        ],
      ),
      'a',
      16,
    );
    expect([...split.values()].reduce((sum, n) => sum + n, 0)).toBe(16);
    expect(split.get('b')).toBe(6);
    expect(split.get('a')).toBe(5);
    expect(split.get('c')).toBe(5);
  });

  it('always sums to the partition count with shares one apart', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 9 }),
        fc.integer({ min: 1, max: 64 }),
        (members, partitions) => {
          const split = [...targets(view(members), members[0]!, partitions).values()];
          expect(split.reduce((sum, n) => sum + n, 0)).toBe(partitions);
          expect(Math.max(...split) - Math.min(...split)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe('balancePlan', () => {
  it('claims free partitions up to its share, favourites first', () => {
    const plan = balancePlan(view(['a', 'b']), 'a', 16, new Set());
    expect(plan.target).toBe(8);
    expect(plan.release).toEqual([]);
    expect(new Set(plan.claim).size).toBe(16);
  });

  it('releases only the excess and never a partition being handed off', () => {
    const all: [number, string][] = Array.from({ length: 16 }, (_v, p) => [p, 'a']);
    const held = new Set(all.map(([p]) => p));
    const plan = balancePlan(view(['a', 'b'], all), 'a', 16, held, new Set([3]));
    expect(plan.release).toHaveLength(8);
    expect(plan.release).not.toContain(3);
    expect(plan.claim).toEqual([]);
  });

  it('moves only what an even split requires when members join or leave (sticky)', () => {
    const one = converge(['a'], 16, new Map());
    expect([...one.holders.values()].every((owner) => owner === 'a')).toBe(true);
    const three = converge(['a', 'b', 'c'], 16, one.holders);
    expect(three.moves).toBe(10); // a keeps 6 of 16
    const counts = ['a', 'b', 'c'].map((m) => [...three.holders.values()].filter((o) => o === m).length);
    expect(counts.sort()).toEqual([5, 5, 6]);
    // c leaves: only c's partitions move
    const withoutC = new Map([...three.holders].filter(([, owner]) => owner !== 'c'));
    const two = converge(['a', 'b'], 16, withoutC);
    expect(two.moves).toBe(0);
    expect(two.holders.size).toBe(16);
    for (const [partition, owner] of withoutC) expect(two.holders.get(partition)).toBe(owner);
  });

  it('converges to a full, even, single-owner assignment from any start', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom<string>('m1', 'm2', 'm3', 'm4', 'm5'), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.tuple(fc.nat(39), fc.constantFrom('m1', 'm2', 'm3', 'm4', 'm5', 'gone'))),
        (members, partitions, initial) => {
          const start = new Map(initial.filter(([p, owner]) => p < partitions && members.includes(owner)));
          const { holders } = converge(members, partitions, start);
          expect(holders.size).toBe(partitions);
          const counts = members.map((m) => [...holders.values()].filter((o) => o === m).length);
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});
