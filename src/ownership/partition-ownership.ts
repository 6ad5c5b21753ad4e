/**
 * This process's side of partition ownership (main thread). Every tick it renews its heartbeat and its leases,
 * reads who holds what, and moves toward its share of an even split: it hands off partitions it holds beyond
 * its share (gracefully: the owner of the work — the shard workers — finishes, commits and checkpoints first,
 * then the lease is deleted so the next owner starts at once) and claims free ones below it. A lease it fails
 * to renew is lost at once: the work on that partition is dropped, because someone else may already own it.
 *
 * The work itself is behind `OwnershipHandlers`: what to do when a partition is won, must be handed off, or
 * was lost. Correctness never depends on this loop's timing: a process that stalls past its lease is fenced
 * by Postgres (the epoch in `sink_offsets`), not by anything here.
 */
import type { Logger } from 'pino';
import { balancePlan } from './balance-plan.js';
import type { Lease, LeaseStore, OwnershipView } from './lease-store.js';

export interface OwnershipHandlers {
  /** A lease was won: start working on the partition as of `lease.epoch`. */
  onClaimed(lease: Lease): void;
  /** Hand the partition off: resolves once its work is committed and checkpointed (or abandoned). */
  onReleasing(partition: number): Promise<void>;
  /** The lease could not be renewed: stop the partition now, keep nothing of it, ack nothing more. */
  onLost(partition: number, reason: 'expired' | 'taken'): void;
}

export interface PartitionOwnershipOptions {
  store: LeaseStore;
  /** This process's unique token (a twin with the same configuration gets another one). */
  token: string;
  partitions: number;
  /** How often leases and the heartbeat are renewed; well under the lease term (a third or less). */
  renewEveryMs: number;
  /** How often the view is read to notice lapsed leases and members; changes also trigger a read. */
  pollEveryMs: number;
  handlers: OwnershipHandlers;
  logger: Logger;
  /** Called after every balancing round with the view it used (metrics, readiness). */
  onRound?: (round: OwnershipRound) => void;
}

export interface OwnershipRound {
  view: OwnershipView;
  held: number;
  target: number;
  /** No claims or hand-offs in progress, and this member holds its target. */
  settled: boolean;
}

export class PartitionOwnership {
  private readonly leases = new Map<number, Lease>();
  /** Partitions being handed off, with the hand-off: still leased (and renewed) until their work is done. */
  private readonly releasing = new Map<number, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private lastRenewMs = 0;
  /** Leaving the group: no more claims or balancing, but leases are still renewed until handed off. */
  private leaving = false;
  private stopped = false;

  constructor(private readonly options: PartitionOwnershipOptions) {}

  /** Partitions whose lease this process holds (including ones being handed off). */
  held(): ReadonlyMap<number, Lease> {
    return this.leases;
  }

  async start(): Promise<void> {
    this.unwatch = await this.options.store.watch(() => this.tick());
    this.timer = setInterval(() => this.tick(), this.options.pollEveryMs);
    this.tick();
    await this.running;
  }

  /** Runs a round now, or right after the one in progress. */
  tick(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'ownership round failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.tick();
        }
      });
  }

  private async round(): Promise<void> {
    const { store, token, logger } = this.options;
    const nowMs = Date.now();
    if (nowMs - this.lastRenewMs >= this.options.renewEveryMs) {
      this.lastRenewMs = nowMs;
      // allSettled, not all: a failed heartbeat must not end the round while renewals are still in flight. The
      // next round would then claim a partition whose lapsed lease a renewal was still reporting, and that
      // renewal's late `onLost` would stop the work just started under the new lease (seen in the chaos suite
      // when a NATS node died: the lease held, the partition idle).
      const [announced, renewed] = await Promise.allSettled([
        this.leaving ? Promise.resolve() : store.announce(token),
        this.renewAll(),
      ]);
      if (announced.status === 'rejected')
        logger.warn({ err: announced.reason as unknown }, 'member heartbeat failed');
      if (renewed.status === 'rejected') throw renewed.reason;
    }
    if (this.leaving) return;
    const view = await store.view();
    // Partitions being handed off are already on their way out: they count neither as held nor as free.
    const held = new Set([...this.leases.keys()].filter((partition) => !this.releasing.has(partition)));
    const plan = balancePlan(view, token, this.options.partitions, held, new Set(this.releasing.keys()));
    for (const partition of plan.release) this.handOff(partition);
    let want = plan.target - held.size;
    for (const partition of plan.claim) {
      if (want <= 0 || this.leaving) break;
      const lease = await store.acquire(partition, token);
      if (lease === undefined) continue; // someone was quicker
      this.leases.set(partition, lease);
      want--;
      logger.info({ partition, epoch: lease.epoch }, 'partition lease acquired');
      this.options.handlers.onClaimed(lease);
    }
    this.options.onRound?.({
      view,
      held: this.leases.size,
      target: plan.target,
      settled: this.releasing.size === 0 && this.leases.size === plan.target,
    });
  }

  private async renewAll(): Promise<void> {
    const { store, token, logger, handlers } = this.options;
    await Promise.all(
      [...this.leases.values()].map(async (lease) => {
        const renewed = await store.refresh(lease, token);
        if (this.leases.get(lease.partition) !== lease) return; // released meanwhile
        if (renewed !== undefined) {
          this.leases.set(lease.partition, renewed);
          return;
        }
        this.leases.delete(lease.partition);
        this.releasing.delete(lease.partition);
        const holder = (await store.view().catch(() => undefined))?.holders.get(lease.partition);
        // Claimed again meanwhile (only a round claims, and rounds wait for renewals, but stay safe): the new
        // lease's work must not be stopped by the old lease's loss.
        if (this.leases.has(lease.partition)) return;
        const reason = holder === undefined ? 'expired' : 'taken';
        logger.warn({ partition: lease.partition, epoch: lease.epoch, reason }, 'partition lease lost');
        handlers.onLost(lease.partition, reason);
      }),
    );
  }

  /**
   * Lets the work finish, then deletes the lease so the next owner need not wait for it to lapse. The lease
   * is renewed meanwhile (it is still in `leases`), however long the final commit and checkpoint take.
   */
  private handOff(partition: number): Promise<void> {
    const running = this.releasing.get(partition);
    if (running !== undefined) return running;
    this.options.logger.info({ partition }, 'handing partition off');
    const handOff = this.options.handlers
      .onReleasing(partition)
      .catch((error: unknown) =>
        this.options.logger.warn({ err: error, partition }, 'partition hand-off did not finish cleanly'),
      )
      .then(async () => {
        const lease = this.leases.get(partition);
        this.releasing.delete(partition);
        if (lease === undefined) return; // lost meanwhile
        this.leases.delete(partition);
        await this.options.store.release(lease).catch(() => undefined);
        this.tick();
      });
    this.releasing.set(partition, handOff);
    return handOff;
  }

  /**
   * Forgets a lease without releasing it: Postgres reported a newer owner for the partition (fenced), so the
   * lease in the store, if any, is not ours to renew or delete.
   */
  abandon(partition: number): void {
    if (!this.leases.delete(partition)) return;
    this.releasing.delete(partition);
    this.options.logger.warn({ partition }, 'partition lease abandoned: a newer owner was found in Postgres');
    this.tick();
  }

  /**
   * Hands off every partition (those already on their way out are waited for, not handed off twice) and
   * leaves the group. Leases keep being renewed until their hand-off is done. Resolves when all are released.
   */
  async stop(): Promise<void> {
    this.leaving = true;
    this.unwatch?.();
    await this.running;
    await Promise.all([...this.leases.keys()].map((partition) => this.handOff(partition)));
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    await this.options.store.leave(this.options.token).catch(() => undefined);
  }
}
