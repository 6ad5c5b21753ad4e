/**
 * Questions about one caller go to the instance that owns the caller's partition, on a subject of that
 * partition: `sentinel.control.<group>.partition.<p>.view`. Only the lease holder subscribes (from the moment
 * it runs the partition until it lets go), so a request reaches exactly the owner; while the partition moves
 * between instances nobody answers and the asker gets a clear 503 naming the partition, instead of the
 * silence a shared queue group gave when a non-owner received the question.
 */
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { UnavailableError, type CallerView } from '../../api/index.js';

/** How long an asker waits for the owner (and the owner for an event to be applied). */
export const OWNER_ANSWER_TIMEOUT_MS = 2_000;

export interface ViewQuestion {
  digits: string;
  /** Answer only once the owner has applied this stream sequence (a just-submitted event). */
  waitSeq?: number;
}

export function partitionQuerySubject(consumerGroup: string, partition: number): string {
  return `sentinel.control.${consumerGroup}.partition.${partition}.view`;
}

export class PartitionQueries {
  private readonly served = new Map<number, Subscription>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly consumerGroup: string,
    private readonly answer: (question: ViewQuestion) => Promise<CallerView | undefined>,
    private readonly logger: Logger,
  ) {}

  /** Starts answering for a partition this instance now runs. */
  serve(partition: number): void {
    if (this.served.has(partition)) return;
    const subscription = this.nc.subscribe(partitionQuerySubject(this.consumerGroup, partition), {
      callback: (error, msg) => {
        if (error) return;
        let question: ViewQuestion;
        try {
          question = msg.json<ViewQuestion>();
        } catch {
          return;
        }
        this.answer(question).then(
          (view) => msg.respond(JSON.stringify(view ?? null)),
          (answerError: unknown) =>
            this.logger.warn({ err: answerError, partition }, 'caller question failed'),
        );
      },
    });
    this.served.set(partition, subscription);
  }

  /** Stops answering for a partition leaving this instance. */
  stopServing(partition: number): void {
    this.served.get(partition)?.unsubscribe();
    this.served.delete(partition);
  }

  stopAll(): void {
    for (const partition of [...this.served.keys()]) this.stopServing(partition);
  }

  /** Asks the partition's owner; throws `UnavailableError` naming the partition when nobody answers. */
  async ask(partition: number, question: ViewQuestion): Promise<CallerView | undefined> {
    try {
      const reply = await this.nc.request(
        partitionQuerySubject(this.consumerGroup, partition),
        JSON.stringify(question),
        { timeout: OWNER_ANSWER_TIMEOUT_MS },
      );
      return reply.json<CallerView | null>() ?? undefined;
    } catch (error) {
      throw new UnavailableError(
        `partition ${partition} has no owner answering right now (it may be moving between instances); retry shortly`,
        { cause: error },
      );
    }
  }
}
