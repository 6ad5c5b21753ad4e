import { describe, expect, it } from 'vitest';
import { BoundedSender, type FeedTransport } from '../../../src/api/feed/bounded-sender.js';

/** A transport whose socket buffer the test controls: `written` callbacks run when the test flushes. */
class ControlledTransport implements FeedTransport {
  buffered = 0;
  readonly sent: string[] = [];
  private readonly pending: (() => void)[] = [];

  bufferedBytes(): number {
    return this.buffered;
  }

  send(message: string, written: () => void): void {
    this.sent.push(message);
    this.buffered += message.length;
    this.pending.push(() => {
      this.buffered -= message.length;
      written();
    });
  }

  /** The socket drains everything it holds. */
  drain(): void {
    while (this.pending.length > 0) this.pending.shift()!();
  }
}

describe('BoundedSender', () => {
  it('writes straight through while the socket keeps up, however large the burst', () => {
    const transport = new ControlledTransport();
    let overflows = 0;
    const sender = new BoundedSender(transport, 2, () => overflows++, 1_000);
    for (let i = 0; i < 50; i++) sender.push('x'.repeat(10)); // 500 bytes < high water
    expect(transport.sent).toHaveLength(50);
    expect(overflows).toBe(0);
  });

  it('queues behind a backed-up socket and sends the queue in order once it drains', () => {
    const transport = new ControlledTransport();
    const sender = new BoundedSender(transport, 5, () => undefined, 100);
    sender.push('a'.repeat(100));
    sender.push('b');
    sender.push('c');
    expect(transport.sent).toEqual(['a'.repeat(100)]);
    expect(sender.queued).toBe(2);
    transport.drain();
    expect(transport.sent).toEqual(['a'.repeat(100), 'b', 'c']);
    expect(sender.queued).toBe(0);
  });

  it('overflows once more than queueMax messages wait, then drops everything for that client', () => {
    const transport = new ControlledTransport();
    let overflows = 0;
    const sender = new BoundedSender(transport, 3, () => overflows++, 10);
    sender.push('first message fills the socket');
    for (let i = 0; i < 3; i++) sender.push(`queued ${i}`);
    expect(overflows).toBe(0);
    sender.push('one too many');
    expect(overflows).toBe(1);
    expect(sender.queued).toBe(0);
    sender.push('after');
    transport.drain();
    expect(transport.sent).toEqual(['first message fills the socket']);
    expect(overflows).toBe(1);
  });
});
