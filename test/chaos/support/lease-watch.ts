/**
 * Watches the lease bucket from outside the engines and measures, per partition, how long it went without a
 * live owner: no lease, or a lease held by a process the test has killed (its lease has not aged out yet).
 * Holders are engine tokens, `<INSTANCE_NAME>-<pid>-<hex>`, so the pid says whether the holder still runs.
 * A read that fails (a NATS node just died, an election) changes nothing: the last state seen carries on.
 */
import { jetstream } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';

export interface OwnershipGap {
  partition: number;
  fromMs: number;
  /** undefined: still without a live owner. */
  toMs: number | undefined;
}

const POLL_MS = 150;
const text = new TextDecoder();

/** The pid inside an engine token (`name-pid-hex`; the name may itself contain dashes). */
export function tokenPid(token: string): number {
  const parts = token.split('-');
  return Number(parts[parts.length - 2]);
}

export class LeaseWatch {
  private readonly holders = new Map<number, string | undefined>();
  private readonly openSince = new Map<number, number>();
  private readonly gaps: OwnershipGap[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private reads = 0;

  private constructor(
    private readonly kv: KV,
    private readonly partitions: number,
    private readonly group: string,
    /** Pids of the engines that run now: a lease held by any other pid is held by a dead process. */
    private readonly livePids: () => ReadonlySet<number>,
  ) {}

  static async start(
    nc: NatsConnection,
    options: { bucket: string; group: string; partitions: number; livePids: () => ReadonlySet<number> },
  ): Promise<LeaseWatch> {
    const kv = await new Kvm(jetstream(nc, { timeout: 1_500 })).open(options.bucket);
    const watch = new LeaseWatch(kv, options.partitions, options.group, options.livePids);
    await watch.poll();
    watch.timer = setInterval(() => {
      watch.polling ??= watch.poll().finally(() => (watch.polling = undefined));
    }, POLL_MS);
    return watch;
  }

  private async poll(): Promise<void> {
    const nowMs = Date.now();
    const reads = await Promise.all(
      Array.from({ length: this.partitions }, async (_unused, partition) => {
        try {
          const entry = await this.kv.get(`${this.group}.partition.${partition}`);
          return {
            partition,
            ok: true,
            holder: entry?.operation === 'PUT' ? text.decode(entry.value) : undefined,
          };
        } catch {
          return { partition, ok: false, holder: undefined };
        }
      }),
    );
    const live = this.livePids();
    for (const read of reads) {
      if (read.ok) this.holders.set(read.partition, read.holder);
      const holder = this.holders.get(read.partition);
      const owned = holder !== undefined && live.has(tokenPid(holder));
      const since = this.openSince.get(read.partition);
      if (!owned && since === undefined) this.openSince.set(read.partition, nowMs);
      if (owned && since !== undefined) {
        this.openSince.delete(read.partition);
        this.gaps.push({ partition: read.partition, fromMs: since, toMs: nowMs });
      }
    }
    this.reads++;
  }

  /** Every partition held by a running engine, as of the last read. */
  allOwned(): boolean {
    return this.reads > 0 && this.openSince.size === 0;
  }

  /** The live holder of each partition, as of the last read. */
  holderPids(): Map<number, number | undefined> {
    const live = this.livePids();
    return new Map(
      Array.from({ length: this.partitions }, (_unused, partition) => {
        const holder = this.holders.get(partition);
        const pid = holder === undefined ? undefined : tokenPid(holder);
        return [partition, pid !== undefined && live.has(pid) ? pid : undefined];
      }),
    );
  }

  /** Gaps seen since `sinceMs` (closed ones and those still open), longest first. */
  gapsSince(sinceMs: number, nowMs = Date.now()): OwnershipGap[] {
    const open = [...this.openSince].map(([partition, fromMs]) => ({ partition, fromMs, toMs: undefined }));
    return [...this.gaps, ...open]
      .filter((gap) => (gap.toMs ?? nowMs) >= sinceMs)
      .sort((a, b) => gapLength(b, nowMs) - gapLength(a, nowMs));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
  }
}

export function gapLength(gap: OwnershipGap, nowMs = Date.now()): number {
  return (gap.toMs ?? nowMs) - gap.fromMs;
}
