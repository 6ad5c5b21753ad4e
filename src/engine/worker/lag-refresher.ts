/**
 * Keeps the consumer-pending figure honest for partitions that stopped pulling. A delivered message carries
 * the pending count as of its delivery, which goes stale exactly when lag matters (a slow sink). Consumer
 * info gives the current figure, but only for stalled partitions: on nats-server 2.9 it recounts a filtered
 * consumer's pending messages over the whole stream, server work not worth doing for partitions whose last
 * delivery already says how far behind they are.
 */
import type { PartitionRun } from './partition-run.js';

/** Consumer info is a server round trip per partition: refresh less often than metrics are reported. */
const LAG_REFRESH_INTERVAL_MS = 2_000;

export class LagRefresher {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly runs: () => Iterable<PartitionRun>) {}

  start(): void {
    this.timer = setInterval(() => void this.refresh(), LAG_REFRESH_INTERVAL_MS);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    for (const run of this.runs()) {
      if (this.stopped) return;
      if (!run.stalled) continue;
      try {
        const info = await run.position.consumer.info(false);
        run.pending = info.num_pending;
      } catch {
        // keep the last known figure; the pull loop logs connection problems
      }
    }
  }
}
