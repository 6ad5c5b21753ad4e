/**
 * Which partitions this member should let go of and which it should try to take, from one view of the store.
 * Pure and deterministic: every member computes its own part of the same even split, and the store's
 * compare-and-set settles any race between two members reaching for the same free partition.
 *
 * - Even: with P partitions and N members each member's target is ⌊P/N⌋, and the P mod N members that hold
 *   the most today (ties by token) get one more — so a join or a leave moves as few partitions as possible.
 * - Sticky: a member above its target releases only the excess, preferring partitions whose rendezvous-hash
 *   favourite is someone else; a member below its target claims free partitions, its own favourites first.
 *   Nothing else ever moves.
 */
import { fnv1a32 } from '../codec/index.js';
import type { OwnershipView } from './lease-store.js';

export interface BalancePlan {
  /** This member's share. */
  target: number;
  /** Partitions to hand off, most expendable first. */
  release: number[];
  /** Free partitions to try, most preferred first (the first `target − held` that succeed are enough). */
  claim: number[];
}

/** Rendezvous (highest-random-weight) score of a member for a partition: each member ranks partitions differently. */
export function affinity(member: string, partition: number): number {
  return fnv1a32(`${member}/${partition}`);
}

/** Every member's target for this view, by token. `me` counts as a member even before its heartbeat shows. */
export function targets(view: OwnershipView, me: string, partitions: number): Map<string, number> {
  const members = [...new Set([...view.members, me])];
  const held = new Map<string, number>(members.map((member) => [member, 0]));
  for (const owner of view.holders.values()) if (held.has(owner)) held.set(owner, held.get(owner)! + 1);
  const base = Math.floor(partitions / members.length);
  const extra = partitions % members.length;
  const ranked = members.sort((a, b) => held.get(b)! - held.get(a)! || (a < b ? -1 : a > b ? 1 : 0));
  return new Map(ranked.map((member, rank) => [member, base + (rank < extra ? 1 : 0)]));
}

/**
 * @param held partitions this member holds (its own record, which the view may not show yet)
 * @param busy partitions being opened or handed off right now: neither released nor claimed again
 */
export function balancePlan(
  view: OwnershipView,
  me: string,
  partitions: number,
  held: ReadonlySet<number>,
  busy: ReadonlySet<number> = new Set(),
): BalancePlan {
  const target = targets(view, me, partitions).get(me)!;
  const members = [...new Set([...view.members, me])];
  const favourite = (partition: number): string =>
    members.reduce((best, member) =>
      affinity(member, partition) > affinity(best, partition) ? member : best,
    );
  if (held.size > target) {
    const release = [...held]
      .filter((partition) => !busy.has(partition))
      .sort((a, b) => {
        const aMine = favourite(a) === me ? 1 : 0;
        const bMine = favourite(b) === me ? 1 : 0;
        return aMine - bMine || affinity(me, a) - affinity(me, b);
      })
      .slice(0, held.size - target);
    return { target, release, claim: [] };
  }
  if (held.size < target) {
    const claim: number[] = [];
    for (let partition = 0; partition < partitions; partition++) {
      if (!view.holders.has(partition) && !held.has(partition) && !busy.has(partition)) claim.push(partition);
    }
    claim.sort((a, b) => affinity(me, b) - affinity(me, a));
    return { target, release: [], claim };
  }
  return { target, release: [], claim: [] };
}
