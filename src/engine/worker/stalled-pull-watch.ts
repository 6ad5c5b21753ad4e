/**
 * Watches one pull of a partition for the stall that liveness signals cannot see: nothing delivered while the
 * stream holds messages past the partition's position.
 *
 * The client's own liveness check is the pull's idle heartbeat, and it is not enough on a cluster. On a
 * disconnect @nats-io/jetstream cancels the heartbeat monitor; on the reconnect it asks for the consumer's
 * info before it pulls again and restarts the monitor, and it retries that question without end (up to
 * `expires` apart) as long as the answer is anything but "consumer not found". The info of an R1 consumer whose
 * node died times out or is refused while the cluster still holds its assignment, so the pull neither
 * delivers, nor fails, nor ends, and the partition still reports ready (the chaos suite's scenario (c): kill
 * a NATS node). Heartbeats, when they do arrive, only say that a pull request is waiting somewhere, not that
 * it will ever deliver.
 *
 * So the watch goes by progress, not by signals: after an interval without a delivery it asks the stream for
 * the last sequence stored for the partition (the stream's RAFT group elects a new leader, unlike an R1
 * consumer), and when that is at or past the next sequence the partition needs and still nothing arrived, the
 * pull is stopped and marked stalled; its owner then creates a new consumer from the next sequence.
 */

export interface StalledPullWatchOptions {
  /** Time without a delivery before the stream is asked. */
  intervalMs: number;
  /** The next stream sequence the partition needs. */
  nextSeq(): number;
  /** The last sequence stored for the partition; may reject when the server cannot tell (then asked again). */
  lastStoredSeq(): Promise<number>;
  /** Ends the pull (its iterator then finishes). */
  stopPull(): void;
}

export class StalledPullWatch {
  /** Set when the pull was stopped because it delivered nothing while messages were waiting. */
  stalled = false;
  /** What the stream reported when the pull was found stalled, for the log. */
  lastStoredSeqSeen = 0;
  private deliveries = 0;
  private deliveriesAtLastTick = 0;
  private checking = false;
  private ended = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: StalledPullWatchOptions) {
    this.timer = setInterval(() => void this.tick(), options.intervalMs);
    this.timer.unref();
  }

  /** A message of the pull was handled. */
  delivered(): void {
    this.deliveries++;
  }

  /** The pull finished (for whatever reason): no more checks. */
  end(): void {
    this.ended = true;
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.ended || this.checking) return;
    if (this.deliveries !== this.deliveriesAtLastTick) {
      this.deliveriesAtLastTick = this.deliveries;
      return;
    }
    this.checking = true;
    try {
      const before = this.deliveries;
      const lastStored = await this.options.lastStoredSeq();
      if (this.ended || this.deliveries !== before || lastStored < this.options.nextSeq()) return;
      this.stalled = true;
      this.lastStoredSeqSeen = lastStored;
      this.end();
      this.options.stopPull();
    } catch {
      // The stream cannot tell now (its leader is moving): ask again at the next interval.
    } finally {
      this.checking = false;
    }
  }
}
