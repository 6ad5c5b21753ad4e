/**
 * Stand-ins for what a PartitionProcessor talks to on a shard worker: JetStream messages carrying CDR JSON,
 * a sink that only records what it was given, and the two publishers. The processor itself is the real one.
 */
import type { JsMsg } from '@nats-io/jetstream';
import { vi, type Mock } from 'vitest';
import {
  PartitionProcessor,
  type PartitionProcessorDeps,
} from '../../../../src/engine/worker/partition-processor.js';
import type { PartitionCheckpoint } from '../../../../src/engine/worker/checkpoint-files.js';
import { SourceStats } from '../../../../src/engine/worker/source-stats.js';
import { WorkerMetricsRecorder, type Labels, type MetricName } from '../../../../src/metrics/index.js';
import type { CallRecordRow, DeadLetterRow, SinkBuffer } from '../../../../src/sinks/index.js';
import {
  DEFAULT_RULE_SETTINGS,
  DEFAULT_WINDOWS_MS,
  type AlertMessage,
  type CaseEvent,
  type RuleSettings,
  type WindowEngineOptions,
} from '../../../../src/windows/index.js';
import { cdr } from '../../../support/cdr-builders.js';

export const ENGINE_OPTIONS: WindowEngineOptions = {
  windowsMs: DEFAULT_WINDOWS_MS,
  allowedLatenessMs: 300_000,
};
export const DEDUP_CAPACITY = 1_000;
/** 2025-06-02T08:00:00Z: event times are fixed so alert keys are the same on every run. */
export const BASE_MS = Date.UTC(2025, 5, 2, 8);

export interface FakeMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
  info: { streamSequence: number; timestampNanos: number; pending: number };
  /** When the stream stored it, in epoch milliseconds. */
  storedMs: number;
  /** Where nats-core keeps the raw reply subject, which the processor scans (readDeliveryPosition). */
  msg: { _msg: { reply: Uint8Array } };
  ack: Mock<() => void>;
}

/** A JetStream message as the processor sees it, stored now; `ack` is a spy. */
export function fakeMessage(seq: number, payload: string, partition = 0): FakeMessage {
  const storedMs = Date.now();
  const reply = `$JS.ACK._.ACCOUNT.CDR_P${partition}.sentinel-p${partition}.1.${seq}.${seq}.${storedMs}000000.0`;
  return {
    seq,
    subject: `cdr.in.${partition}`,
    data: new TextEncoder().encode(payload),
    info: { streamSequence: seq, timestampNanos: storedMs * 1e6, pending: 0 },
    storedMs,
    msg: { _msg: { reply: new TextEncoder().encode(reply) } },
    ack: vi.fn<() => void>(),
  };
}

export function asJsMsg(message: FakeMessage): JsMsg {
  return message as unknown as JsMsg;
}

/** `count` calls from one caller to as many distinct callees, `spacingMs` apart, each `durationSeconds` long. */
export function burst(
  caller: string,
  count: number,
  options: { fromMs?: number; spacingMs?: number; durationSeconds?: number; idPrefix?: string } = {},
): string[] {
  const fromMs = options.fromMs ?? BASE_MS;
  const spacingMs = options.spacingMs ?? 5_000;
  const prefix = options.idPrefix ?? `burst-${caller}`;
  return Array.from({ length: count }, (_, k) =>
    JSON.stringify(
      cdr(
        `${prefix}-${k}`,
        caller,
        `2349${String(10_000_000 + k)}`,
        fromMs + k * spacingMs,
        options.durationSeconds ?? 1,
      ),
    ),
  );
}

/** Messages with sequences `firstSeq`, `firstSeq + 1`, … for the payloads. */
export function messages(payloads: readonly string[], firstSeq = 1, partition = 0): FakeMessage[] {
  return payloads.map((payload, k) => fakeMessage(firstSeq + k, payload, partition));
}

/** Records everything the processor hands to the sink; implements the part of SinkBuffer the processor uses. */
export class CapturingSink implements Pick<
  SinkBuffer,
  'addRecord' | 'addAlert' | 'addCaseEvent' | 'addDeadLetter' | 'markProcessed'
> {
  readonly records: CallRecordRow[] = [];
  readonly alerts: AlertMessage[] = [];
  readonly caseEvents: { event: CaseEvent; partition: number }[] = [];
  readonly alertPartitions: number[] = [];
  readonly deadLetters: DeadLetterRow[] = [];
  readonly processed: { partition: number; streamSeq: number }[] = [];

  addRecord(row: CallRecordRow): void {
    this.records.push(row);
  }

  addAlert(alert: AlertMessage, partition = -1): void {
    this.alerts.push(alert);
    this.alertPartitions.push(partition);
  }

  addCaseEvent(event: CaseEvent, partition: number): void {
    this.caseEvents.push({ event, partition });
  }

  addDeadLetter(row: DeadLetterRow): void {
    this.deadLetters.push(row);
  }

  markProcessed(partition: number, streamSeq: number): void {
    this.processed.push({ partition, streamSeq });
  }
}

export interface DeadLetterPublish {
  raw: Uint8Array;
  reason: string;
  field: string | undefined;
  subject: string;
  seq: number;
}

/** A processor's collaborators: the capturing sink, the real metrics recorder and recording publishers. */
export class ProcessorHarness {
  readonly sink = new CapturingSink();
  readonly metrics = new WorkerMetricsRecorder();
  readonly sources = new SourceStats(100);
  readonly publishedDeadLetters: DeadLetterPublish[] = [];
  private readonly totals: [MetricName, Labels, number][] = [];

  readonly deps: PartitionProcessorDeps = {
    sink: this.sink as unknown as SinkBuffer,
    metrics: this.metrics,
    sources: this.sources,
    publishDeadLetter: (raw, reason, field, subject, seq) =>
      this.publishedDeadLetters.push({ raw, reason, field, subject, seq }),
    workerId: 3,
  };

  processor(
    options: {
      partition?: number;
      committedSeq?: number;
      rules?: RuleSettings;
      engineOptions?: WindowEngineOptions;
      restored?: PartitionCheckpoint;
    } = {},
  ): PartitionProcessor {
    return new PartitionProcessor(
      options.partition ?? 0,
      options.engineOptions ?? ENGINE_OPTIONS,
      options.rules ?? DEFAULT_RULE_SETTINGS,
      DEDUP_CAPACITY,
      options.committedSeq ?? 0,
      this.deps,
      options.restored,
    );
  }

  /**
   * A counter's total so far: the recorder's reports are drained into running totals here (draining clears
   * the recorder). Every series whose labels include `labels` is added up.
   */
  counter(name: MetricName, labels: Labels = {}): number {
    for (const [metric, seriesLabels, delta] of this.metrics.drain().counters) {
      const total = this.totals.find(
        ([m, l]) => m === metric && JSON.stringify(l) === JSON.stringify(seriesLabels),
      );
      if (total === undefined) this.totals.push([metric, seriesLabels, delta]);
      else total[2] += delta;
    }
    return this.totals
      .filter(([metric, seriesLabels]) => metric === name && matches(seriesLabels, labels))
      .reduce((sum, [, , value]) => sum + value, 0);
  }
}

function matches(series: Labels, wanted: Labels): boolean {
  return Object.entries(wanted).every(([key, value]) => series[key] === value);
}

/** Feeds the messages to the processor in order. */
export function feed(processor: PartitionProcessor, batch: readonly FakeMessage[]): void {
  for (const message of batch) processor.handle(asJsMsg(message));
}
