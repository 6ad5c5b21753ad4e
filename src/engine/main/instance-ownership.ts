/**
 * This instance's partitions, end to end on the main thread: the ownership loop (leases in NATS KV) decides
 * which partitions it holds; this file turns its decisions into work (the supervisor places a partition on a
 * worker, hands it off, drops it), answers for the partitions it runs (partition queries), and keeps the
 * ownership metrics. A worker reporting `fenced` means Postgres saw a newer owner: the lease is abandoned.
 */
import { randomBytes } from 'node:crypto';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import type { Metrics } from '../../metrics/index.js';
import { NatsKvLeaseStore, PartitionOwnership, type OwnershipRound } from '../../ownership/index.js';
import type { PartitionState } from '../protocol.js';
import type { PartitionQueries } from './partition-queries.js';
import type { WorkerSupervisor } from './worker-supervisor.js';

const PARTITION_STATES: readonly PartitionState[] = ['opening', 'replaying', 'ready'];

/** A token unique to this process: a twin started with the same configuration gets another one. */
export function instanceToken(instanceName: string): string {
  return `${instanceName}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export class InstanceOwnership {
  private ownership: PartitionOwnership | undefined;
  private lastRound: OwnershipRound | undefined;
  private settledOnce = false;

  constructor(
    private readonly deps: {
      config: Config;
      token: string;
      consumerGroup: string;
      supervisor: WorkerSupervisor;
      queries: PartitionQueries;
      metrics: Metrics;
      logger: Logger;
    },
  ) {}

  async start(nc: NatsConnection, jsm: JetStreamManager): Promise<void> {
    const { config, supervisor, metrics, logger } = this.deps;
    const store = await NatsKvLeaseStore.open(nc, jsm, {
      bucket: config.ownershipBucket,
      group: this.deps.consumerGroup,
      partitions: config.partitions,
      leaseTtlMs: config.leaseTtlMs,
      replicas: config.streamReplicas,
    });
    const rebalances = metrics.counter('sentinel_rebalances_total');
    this.ownership = new PartitionOwnership({
      store,
      token: this.deps.token,
      partitions: config.partitions,
      renewEveryMs: Math.floor(config.leaseTtlMs / 4),
      pollEveryMs: Math.min(1_000, Math.floor(config.leaseTtlMs / 4)),
      logger: logger.child({ component: 'ownership' }),
      handlers: {
        onClaimed: (lease) => {
          rebalances.inc({ reason: 'claimed' });
          supervisor.assign(lease.partition, lease.epoch);
        },
        onReleasing: async (partition) => {
          rebalances.inc({ reason: 'released' });
          this.deps.queries.stopServing(partition);
          await supervisor.release(partition);
        },
        onLost: (partition) => {
          rebalances.inc({ reason: 'lost' });
          this.deps.queries.stopServing(partition);
          supervisor.drop(partition);
        },
      },
      onRound: (round) => this.recordRound(round),
    });
    await this.ownership.start();
  }

  /** Called with every partition state a worker reports. */
  partitionState(partition: number, state: PartitionState, placedAtMs: number | undefined): void {
    const { metrics, queries } = this.deps;
    const gauge = metrics.gauge('sentinel_partition_state');
    for (const candidate of PARTITION_STATES)
      gauge.set({ partition: String(partition), state: candidate }, candidate === state ? 1 : 0);
    if (state === 'replaying') queries.serve(partition);
    if (state === 'ready' && placedAtMs !== undefined)
      metrics.histogram('sentinel_partition_takeover_seconds').observe((Date.now() - placedAtMs) / 1_000);
    if (state === 'fenced' || state === 'released') queries.stopServing(partition);
    if (state === 'fenced') this.ownership?.abandon(partition);
  }

  private recordRound(round: OwnershipRound): void {
    this.lastRound = round;
    if (round.settled) this.settledOnce = true;
    const { metrics, config } = this.deps;
    metrics.gauge('sentinel_partition_leases_held').set(this.ownership?.held().size ?? 0);
    metrics.gauge('sentinel_ownership_members').set(round.view.members.length);
    metrics.gauge('sentinel_partitions_unowned').set(config.partitions - round.view.holders.size);
  }

  /** Has this instance reached its share at least once (readiness: it is working on what it should)? */
  settled(): boolean {
    return this.settledOnce;
  }

  view(): OwnershipRound | undefined {
    return this.lastRound;
  }

  /** Hands every partition off (final commit and checkpoint first) and leaves the group. */
  async stop(): Promise<void> {
    await this.ownership?.stop();
  }
}
