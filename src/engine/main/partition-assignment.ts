/**
 * Partition ownership. Replica `instanceIndex` of `instanceCount` owns partitions p with
 * p % instanceCount === instanceIndex; inside the process they are dealt round-robin to the shard workers.
 * Ownership is static for a given (PARTITIONS, INSTANCE_COUNT, WORKERS), so a caller's state lives in one place.
 */
export function ownedPartitions(partitions: number, instanceIndex: number, instanceCount: number): number[] {
  const owned: number[] = [];
  for (let p = 0; p < partitions; p++) if (p % instanceCount === instanceIndex) owned.push(p);
  return owned;
}

export function assignToWorkers(partitions: readonly number[], workers: number): number[][] {
  const count = Math.max(1, Math.min(workers, partitions.length));
  const assignment: number[][] = Array.from({ length: count }, () => []);
  partitions.forEach((partition, i) => assignment[i % count]!.push(partition));
  return assignment;
}
