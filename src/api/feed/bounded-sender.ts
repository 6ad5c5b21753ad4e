/**
 * The per-client queue of the live feed. Messages go straight to the socket while the socket keeps up (its
 * own buffer below `highWaterBytes`); once it backs up they wait here, and when more than `queueMax` are
 * waiting the client is too slow: `onOverflow` runs (the transport cuts the connection) and nothing more is
 * queued. So a stalled client costs at most `highWaterBytes` plus `queueMax` messages of memory, and the
 * engine and the other clients never wait for it. A burst that a healthy client drains is not an overflow:
 * only messages the socket could not take count.
 */

export interface FeedTransport {
  /** Bytes handed to the socket and not yet passed to the kernel. */
  bufferedBytes(): number;
  /** Writes one message; `written` runs once it has left the process (or failed). */
  send(message: string, written: () => void): void;
}

/** Socket bytes allowed in flight before messages queue. @default 1 MiB */
export const DEFAULT_HIGH_WATER_BYTES = 1_048_576;

export class BoundedSender {
  private readonly waiting: string[] = [];
  private overflowed = false;

  constructor(
    private readonly transport: FeedTransport,
    private readonly queueMax: number,
    private readonly onOverflow: () => void,
    private readonly highWaterBytes = DEFAULT_HIGH_WATER_BYTES,
  ) {}

  /** Messages waiting for the socket. */
  get queued(): number {
    return this.waiting.length;
  }

  push(message: string): void {
    if (this.overflowed) return;
    if (this.waiting.length === 0 && this.transport.bufferedBytes() < this.highWaterBytes) {
      this.write(message);
      return;
    }
    if (this.waiting.length >= this.queueMax) {
      this.overflowed = true;
      this.waiting.length = 0;
      this.onOverflow();
      return;
    }
    this.waiting.push(message);
  }

  private write(message: string): void {
    this.transport.send(message, () => this.flush());
  }

  private flush(): void {
    while (
      !this.overflowed &&
      this.waiting.length > 0 &&
      this.transport.bufferedBytes() < this.highWaterBytes
    ) {
      this.write(this.waiting.shift()!);
    }
  }
}
