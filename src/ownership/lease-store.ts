/**
 * What partition ownership needs from its store: leases a process can take only when nobody holds them, keep
 * only by refreshing them before they expire, and lose to anyone once they lapse; and a list of the live
 * members. `NatsKvLeaseStore` implements it on a NATS KV bucket; tests use an in-memory twin.
 */

/** A partition lease held by this process. */
export interface Lease {
  partition: number;
  /**
   * The fencing token, from the store revision at which the lease was acquired. Revisions only grow, so every
   * later owner of the partition has a larger epoch; Postgres refuses commits from a smaller one.
   */
  epoch: number;
  /** The store revision of the latest refresh: the compare-and-set guard of the next one. */
  revision: number;
}

/** Who holds what, as one read of the store shows it. */
export interface OwnershipView {
  /** Member tokens with a live heartbeat. */
  members: string[];
  /** Partition → token of the member holding its lease (live leases only). */
  holders: Map<number, string>;
}

export interface LeaseStore {
  /** Takes the partition's lease when nobody holds it; undefined when someone does (or just did). */
  acquire(partition: number, owner: string): Promise<Lease | undefined>;
  /** Extends a lease this process holds; undefined when it was lost (expired, or taken by another). */
  refresh(lease: Lease, owner: string): Promise<Lease | undefined>;
  /** Gives the lease up at once (graceful hand-off); a lease already lost is left alone. */
  release(lease: Lease): Promise<void>;
  /** Records (or renews) this member's heartbeat. */
  announce(owner: string): Promise<void>;
  /** Removes this member's heartbeat (a clean leave). */
  leave(owner: string): Promise<void>;
  view(): Promise<OwnershipView>;
  /** Calls `onChange` soon after any lease or member is written or deleted (not when one lapses). */
  watch(onChange: () => void): Promise<() => void>;
}
