/**
 * Partition leases and member heartbeats in a NATS KV bucket (works on nats-server 2.9, which has no
 * per-message TTL): the bucket's `ttl` (the stream's max_age) is the lease term, so an entry that is not
 * rewritten within it ages out and anyone may `create` it again. `create` succeeds only when the key is absent
 * or deleted; `update` only at the revision the caller last saw — the store's compare-and-set is the only
 * arbiter, with no clock of ours involved. Keys: `<group>.partition.<p>` (value: the holder's token) and
 * `<group>.member.<token>`.
 *
 * Age-outs produce no watch event, so `view()` reads the keys afresh; `watch()` only makes the reaction to
 * deliberate changes (a release, a join) immediate.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Lease, LeaseStore, OwnershipView } from './lease-store.js';

export interface NatsKvLeaseStoreOptions {
  /** KV bucket shared by every instance. @default 'SENTINEL_OWNERSHIP' */
  bucket?: string;
  /** Consumer group: instances of one group share partitions; other groups are invisible. */
  group: string;
  partitions: number;
  /** Lease term: the bucket's ttl. */
  leaseTtlMs: number;
  replicas: number;
}

const DEFAULT_BUCKET = 'SENTINEL_OWNERSHIP';

/**
 * Epochs must keep growing even if the bucket is lost and created again (an R1 NATS that lost its store):
 * its revisions restart at 1, and raw revisions would then be refused by every stored epoch. So an epoch is
 * the bucket's creation time in ms × 1,000 + the revision: a later bucket's epochs are larger than an earlier
 * one's as long as the earlier took fewer than 1,000 writes per millisecond of its life (it takes about ten a
 * second), and they stay safe integers (creation ms × 1,000 ≈ 1.8e15 < 2^53).
 */
export function epochBase(createdIso: string): number {
  return Date.parse(createdIso) * 1_000;
}
const text = new TextDecoder();

export class NatsKvLeaseStore implements LeaseStore {
  private constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly streamName: string,
    private readonly options: NatsKvLeaseStoreOptions,
    /** Added to revisions to make epochs: see `epochBase`. */
    private readonly epochBase: number,
  ) {}

  /** Opens the bucket, creating it (or correcting its ttl and replicas) when needed. */
  static async open(nc: NatsConnection, jsm: JetStreamManager, options: NatsKvLeaseStoreOptions) {
    const bucket = options.bucket ?? DEFAULT_BUCKET;
    const kvm = new Kvm(nc);
    const kv = await kvm.create(bucket, {
      history: 1,
      ttl: options.leaseTtlMs,
      replicas: options.replicas,
    });
    const streamName = `KV_${bucket}`;
    // `create` binds to an existing bucket without changing it: every instance must agree on the lease term.
    const info = await jsm.streams.info(streamName);
    const ttlNanos = options.leaseTtlMs * 1_000_000;
    if (info.config.max_age !== ttlNanos || info.config.num_replicas !== options.replicas) {
      await jsm.streams.update(streamName, { max_age: ttlNanos, num_replicas: options.replicas });
    }
    return new NatsKvLeaseStore(kv, jsm, streamName, options, epochBase(info.created));
  }

  private partitionKey(partition: number): string {
    return `${this.options.group}.partition.${partition}`;
  }

  private memberKey(owner: string): string {
    return `${this.options.group}.member.${owner}`;
  }

  async acquire(partition: number, owner: string): Promise<Lease | undefined> {
    try {
      const revision = await this.kv.create(this.partitionKey(partition), owner);
      return { partition, epoch: this.epochBase + revision, revision };
    } catch {
      return undefined; // someone holds it (wrong last sequence) or the store is unreachable
    }
  }

  async refresh(lease: Lease, owner: string): Promise<Lease | undefined> {
    try {
      const revision = await this.kv.update(this.partitionKey(lease.partition), owner, lease.revision);
      return { ...lease, revision };
    } catch {
      return undefined;
    }
  }

  async release(lease: Lease): Promise<void> {
    // Only at our own revision: a lease that lapsed and was taken by someone else must stay theirs.
    await this.kv
      .delete(this.partitionKey(lease.partition), { previousSeq: lease.revision })
      .catch(() => undefined);
  }

  async announce(owner: string): Promise<void> {
    await this.kv.put(this.memberKey(owner), String(Date.now()));
  }

  async leave(owner: string): Promise<void> {
    await this.kv.delete(this.memberKey(owner)).catch(() => undefined);
  }

  async view(): Promise<OwnershipView> {
    const holders = new Map<number, string>();
    const reads = Array.from({ length: this.options.partitions }, async (_unused, partition) => {
      const entry = await this.kv.get(this.partitionKey(partition));
      if (entry !== null && entry.operation === 'PUT') holders.set(partition, text.decode(entry.value));
    });
    const memberPrefix = `$KV.${this.options.bucket ?? DEFAULT_BUCKET}.${this.memberKey('')}`;
    const [info] = await Promise.all([
      this.jsm.streams.info(this.streamName, { subjects_filter: `${memberPrefix}*` }),
      ...reads,
    ]);
    const candidates = Object.keys(info.state.subjects ?? {}).map((subject) =>
      subject.slice(memberPrefix.length),
    );
    const members: string[] = [];
    await Promise.all(
      candidates.map(async (owner) => {
        const entry = await this.kv.get(this.memberKey(owner));
        if (entry !== null && entry.operation === 'PUT') members.push(owner);
      }),
    );
    return { members: members.sort(), holders };
  }

  async watch(onChange: () => void): Promise<() => void> {
    const changes = await this.kv.watch({
      key: `${this.options.group}.>`,
      include: 'updates',
      headers_only: true,
    });
    void (async () => {
      for await (const _change of changes) onChange();
    })().catch(() => undefined);
    return () => changes.stop();
  }
}
