/**
 * Partition ownership across engine instances (main thread): leases in NATS KV with a fencing epoch, member
 * heartbeats, and the sticky even split each member works toward. See docs/adr/0008-fenced-partition-ownership.md.
 */
export { affinity, balancePlan, targets } from './balance-plan.js';
export type { BalancePlan } from './balance-plan.js';
export type { Lease, LeaseStore, OwnershipView } from './lease-store.js';
export { NatsKvLeaseStore } from './nats-kv-lease-store.js';
export type { NatsKvLeaseStoreOptions } from './nats-kv-lease-store.js';
export { PartitionOwnership } from './partition-ownership.js';
export type { OwnershipHandlers, OwnershipRound, PartitionOwnershipOptions } from './partition-ownership.js';
