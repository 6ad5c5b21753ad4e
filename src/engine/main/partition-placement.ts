/**
 * Which shard worker runs each partition this instance holds a lease for. A new partition goes to the worker
 * running the fewest; a partition stays on its worker until it leaves the instance (a restarted worker gets
 * its partitions back), so a caller's state lives in exactly one place.
 */
import type { PartitionState } from '../protocol.js';
import type { WorkerHandle } from './worker-supervisor.js';

export interface PlacedPartition {
  partition: number;
  /** Lease epoch the partition is held under. */
  epoch: number;
  handle: WorkerHandle;
  state: PartitionState;
  /** When it was placed (the lease was won), for the takeover-time histogram. */
  placedAtMs: number;
  /** Set while a graceful hand-off is in progress. */
  releasing: { promise: Promise<void>; resolve(): void } | undefined;
}

export class PartitionPlacement {
  private readonly placed = new Map<number, PlacedPartition>();

  constructor(private readonly handles: readonly WorkerHandle[]) {}

  place(partition: number, epoch: number): PlacedPartition {
    const existing = this.placed.get(partition);
    if (existing !== undefined) {
      existing.epoch = epoch;
      return existing;
    }
    const load = new Map(this.handles.map((handle) => [handle, 0]));
    for (const placed of this.placed.values()) load.set(placed.handle, load.get(placed.handle)! + 1);
    const handle = this.handles.reduce((best, candidate) =>
      load.get(candidate)! < load.get(best)! ? candidate : best,
    );
    const placed: PlacedPartition = {
      partition,
      epoch,
      handle,
      state: 'opening',
      placedAtMs: Date.now(),
      releasing: undefined,
    };
    this.placed.set(partition, placed);
    return placed;
  }

  get(partition: number): PlacedPartition | undefined {
    return this.placed.get(partition);
  }

  remove(partition: number): void {
    this.placed.delete(partition);
  }

  on(handle: WorkerHandle): PlacedPartition[] {
    return [...this.placed.values()].filter((placed) => placed.handle === handle);
  }

  all(): PlacedPartition[] {
    return [...this.placed.values()];
  }
}
