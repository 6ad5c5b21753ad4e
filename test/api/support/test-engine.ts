/**
 * A TEST-ONLY EnginePort. It is not the engine: it is a small, obviously-correct stand-in so the API can be
 * tested end to end against real NATS and Postgres while `src/engine` is written in parallel.
 *
 * What is real: CDRs go to a real JetStream stream (unique per instance, `Nats-Msg-Id` = call_id, so the
 * server's duplicate window reports repeats), are read back with a real consumer, and alerts travel over
 * real NATS subjects to `onAlert` listeners. What is simplified: one "worker", windows kept as plain arrays
 * per caller (a brute-force reference, fine for a few thousand events), the SDHF rule evaluated with the
 * thresholds last given to `applyRules`, no Postgres sink (alerts are not written to fraud_alerts).
 */
import { jetstream, jetstreamManager, type ConsumerMessages, type JetStreamClient } from '@nats-io/jetstream';
import { nanos, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import type {
  CallerView,
  EngineHealth,
  EnginePort,
  RuleSettingsDoc,
  WorkerHealth,
} from '../../../src/api/index.js';
import { partitionOf } from '../../../src/codec/index.js';
import { DEFAULT_SOURCE_HEALTH, SourceTable } from '../../../src/metrics/index.js';
import type { CaseEventMessage } from '../../../src/stream/index.js';
import {
  SEVERITIES,
  sdhfSeverity,
  toAlertMessage,
  type AlertMessage,
  type Severity,
} from '../../../src/windows/index.js';
import { uniqueName } from '../../support/nats.js';

interface HeldEvent {
  startMs: number;
  callee: string;
  durationSeconds: number;
}

interface WindowStats {
  callCount: number;
  uniqueDestinations: number;
  totalDurationSeconds: number;
  firstMs: number | undefined;
  lastMs: number | undefined;
}

export interface TestEngineOptions {
  nc: NatsConnection;
  rules: RuleSettingsDoc;
  /** @default 4 */
  partitions?: number;
}

const APPLY_WAIT_MS = 10_000;

export class TestEnginePort implements EnginePort {
  readonly prefix = uniqueName('apitest');
  readonly streamName = uniqueName('API_TEST_CDR');
  /** Every settings document pushed through applyRules, oldest first. */
  readonly appliedRules: RuleSettingsDoc[] = [];
  /** Every alert this stand-in published. */
  readonly published: AlertMessage[] = [];
  /** Overrides what health() reports, for readiness tests. */
  workerState: WorkerHealth['state'] = 'ready';

  private rules: RuleSettingsDoc;
  private readonly partitions: number;
  private readonly events = new Map<string, HeldEvent[]>();
  private readonly seenCallIds = new Set<string>();
  private readonly openSeverity = new Map<
    string,
    { severity: Severity; openedMs: number; emissions: number }
  >();
  private readonly waiters = new Map<string, () => void>();
  private readonly listeners = new Set<(alert: AlertMessage) => void>();
  /** Per-source figures health() reports; tests feed it tallies as the shard workers would. */
  readonly sources = new SourceTable(DEFAULT_SOURCE_HEALTH);
  private js!: JetStreamClient;
  private messages: ConsumerMessages | undefined;
  private alertSubscription: Subscription | undefined;
  private consuming: Promise<void> | undefined;

  private constructor(private readonly options: TestEngineOptions) {
    this.rules = options.rules;
    this.partitions = options.partitions ?? 4;
  }

  static async start(options: TestEngineOptions): Promise<TestEnginePort> {
    const engine = new TestEnginePort(options);
    await engine.open();
    return engine;
  }

  private async open(): Promise<void> {
    const { nc } = this.options;
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: this.streamName,
      subjects: [`${this.prefix}.cdr.in.*`],
      duplicate_window: nanos(120_000),
    });
    this.js = jetstream(nc);
    this.alertSubscription = nc.subscribe(`${this.prefix}.alerts.>`, {
      callback: (error, msg) => {
        if (error !== null) return;
        const alert = msg.json<AlertMessage>();
        for (const listener of this.listeners) listener(alert);
      },
    });
    const consumer = await this.js.consumers.get(this.streamName);
    this.messages = await consumer.consume();
    const messages = this.messages;
    this.consuming = (async () => {
      for await (const message of messages) this.apply(message.json<Record<string, unknown>>());
    })();
  }

  async close(): Promise<void> {
    await this.messages?.close();
    await this.consuming;
    this.alertSubscription?.unsubscribe();
    const jsm = await jetstreamManager(this.options.nc);
    await jsm.streams.delete(this.streamName).catch(() => undefined);
  }

  /** Messages the test stream holds (what publishCdrs stored, duplicates excluded). */
  async storedMessages(): Promise<number> {
    const jsm = await jetstreamManager(this.options.nc);
    return (await jsm.streams.info(this.streamName)).state.messages;
  }

  // --- EnginePort ---

  async publishCdrs(
    records: readonly Record<string, unknown>[],
  ): Promise<{ published: number; duplicates: number }> {
    const acks = await Promise.all(records.map((record) => this.publishOne(record)));
    const duplicates = acks.filter((ack) => ack.duplicate).length;
    return { published: acks.length - duplicates, duplicates };
  }

  async submitAndView(
    record: Record<string, unknown>,
    callerDigits: string,
  ): Promise<CallerView | undefined> {
    const callId = String(record.call_id);
    const applied = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`record ${callId} not applied within ${APPLY_WAIT_MS} ms`)),
        APPLY_WAIT_MS,
      );
      this.waiters.set(callId, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const ack = await this.publishOne(record);
    if (ack.duplicate) this.waiters.get(callId)?.();
    await applied;
    return await this.callerView(callerDigits);
  }

  async callerView(callerDigits: string): Promise<CallerView | undefined> {
    const held = this.events.get(callerDigits) ?? [];
    const latestMs = held.reduce(
      (latest, event) => Math.max(latest, event.startMs),
      Number.NEGATIVE_INFINITY,
    );
    return {
      number: callerDigits,
      partition: partitionOf(callerDigits, this.partitions),
      worker: 0,
      allowlisted: this.allowlisted(callerDigits),
      windows: this.rules.thresholds.map((threshold) => {
        const stats = this.windowStats(held, latestMs, threshold.windowSeconds);
        return {
          windowSeconds: threshold.windowSeconds,
          callCount: stats.callCount,
          uniqueDestinations: stats.uniqueDestinations,
          totalDurationSeconds: stats.totalDurationSeconds,
          avgDurationSeconds: stats.callCount === 0 ? 0 : stats.totalDurationSeconds / stats.callCount,
          firstEventAt: stats.firstMs === undefined ? null : new Date(stats.firstMs).toISOString(),
          lastEventAt: stats.lastMs === undefined ? null : new Date(stats.lastMs).toISOString(),
        };
      }),
      openEpisodes: [...this.openSeverity.entries()]
        .filter(([key]) => key.startsWith(`${callerDigits}:`))
        .map(([key, open]) => {
          const windowSeconds = Number(key.split(':')[1]);
          return {
            rule: 'sdhf',
            windowSeconds,
            severity: open.severity,
            episodeKey: `sdhf:${windowSeconds}:${callerDigits}:${open.openedMs}`,
            openedAt: new Date(open.openedMs).toISOString(),
          };
        }),
    };
  }

  async applyRules(settings: RuleSettingsDoc): Promise<void> {
    this.appliedRules.push(settings);
    this.rules = settings;
  }

  async health(): Promise<EngineHealth> {
    const consumerPending: Record<string, number> = {};
    for (let partition = 0; partition < this.partitions; partition++) consumerPending[String(partition)] = 0;
    let eventsHeld = 0;
    for (const held of this.events.values()) eventsHeld += held.length;
    return {
      nats: { connected: !this.options.nc.isClosed(), url: this.options.nc.getServer() },
      workers: [
        {
          id: 0,
          state: this.workerState,
          partitions: Object.keys(consumerPending).map(Number),
          restarts: 0,
          bufferedRows: 0,
          sinkCircuit: 'closed',
          consumerPending,
          window: { callers: this.events.size, eventsHeld, bytes: 0 },
        },
      ],
      ready: this.workerState === 'ready',
      sources: this.sources.snapshot(),
    };
  }

  onAlert(listener: (alert: AlertMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private readonly caseListeners = new Set<(event: CaseEventMessage) => void>();

  onCaseEvent(listener: (event: CaseEventMessage) => void): () => void {
    this.caseListeners.add(listener);
    return () => this.caseListeners.delete(listener);
  }

  // --- the stand-in pipeline ---

  private async publishOne(record: Record<string, unknown>): Promise<{ duplicate: boolean }> {
    const caller = String(record.caller).replace(/^\+/, '');
    const subject = `${this.prefix}.cdr.in.${partitionOf(caller, this.partitions)}`;
    const ack = await this.js.publish(subject, JSON.stringify(record), { msgID: String(record.call_id) });
    return { duplicate: ack.duplicate };
  }

  private apply(record: Record<string, unknown>): void {
    const callId = String(record.call_id);
    if (!this.seenCallIds.has(callId)) {
      this.seenCallIds.add(callId);
      const caller = String(record.caller).replace(/^\+/, '');
      const startMs = typeof record.start === 'number' ? record.start : Date.parse(String(record.start));
      const held = this.events.get(caller) ?? [];
      held.push({
        startMs,
        callee: String(record.callee).replace(/^\+/, ''),
        durationSeconds: Number(record.duration),
      });
      this.events.set(caller, held);
      this.evaluate(caller, held);
    }
    this.waiters.get(callId)?.();
    this.waiters.delete(callId);
  }

  private windowStats(held: readonly HeldEvent[], latestMs: number, windowSeconds: number): WindowStats {
    const fromMs = latestMs - windowSeconds * 1_000;
    const inside = held.filter((event) => event.startMs > fromMs && event.startMs <= latestMs);
    return {
      callCount: inside.length,
      uniqueDestinations: new Set(inside.map((event) => event.callee)).size,
      totalDurationSeconds: inside.reduce((sum, event) => sum + event.durationSeconds, 0),
      firstMs: inside.length === 0 ? undefined : Math.min(...inside.map((event) => event.startMs)),
      lastMs: inside.length === 0 ? undefined : Math.max(...inside.map((event) => event.startMs)),
    };
  }

  private allowlisted(caller: string): boolean {
    return this.rules.allowlist.some((entry) =>
      entry.endsWith('*') ? caller.startsWith(entry.slice(0, -1)) : caller === entry,
    );
  }

  private evaluate(caller: string, held: readonly HeldEvent[]): void {
    if (this.allowlisted(caller)) return;
    const latestMs = Math.max(...held.map((event) => event.startMs));
    for (const threshold of this.rules.thresholds) {
      const stats = this.windowStats(held, latestMs, threshold.windowSeconds);
      const avg = stats.callCount === 0 ? 0 : stats.totalDurationSeconds / stats.callCount;
      const key = `${caller}:${threshold.windowSeconds}`;
      const fires =
        stats.uniqueDestinations > threshold.minUniqueDestinations && avg < threshold.maxAvgDurationSeconds;
      const open = this.openSeverity.get(key);
      if (!fires) {
        this.openSeverity.delete(key);
        continue;
      }
      const severity = sdhfSeverity(stats.uniqueDestinations, avg);
      if (open !== undefined && SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(open.severity)) continue;
      const opened = open ?? { severity, openedMs: stats.firstMs ?? latestMs, emissions: 0 };
      const episodeKey = `sdhf:${threshold.windowSeconds}:${caller}:${opened.openedMs}`;
      const alert = toAlertMessage(
        {
          alertKey: `${episodeKey}:${opened.emissions}`,
          episodeKey,
          rule: 'sdhf',
          alertType: 'SDHF_SIMBOX',
          detectionRule: 'SDHF_001',
          windowSeconds: threshold.windowSeconds,
          suspectNumber: caller,
          severity,
          reason: open === undefined ? 'opened' : 'escalated',
          callCount: stats.callCount,
          uniqueDestinations: stats.uniqueDestinations,
          avgDurationSeconds: avg,
          totalDurationSeconds: stats.totalDurationSeconds,
          windowStartMs: latestMs - threshold.windowSeconds * 1_000,
          windowEndMs: latestMs,
          firstEventAtMs: stats.firstMs ?? latestMs,
          lastEventAtMs: stats.lastMs ?? latestMs,
          evidenceSummary: `Caller ${caller} made ${stats.callCount} calls to ${stats.uniqueDestinations} distinct numbers`,
        },
        Date.now(),
        0,
      );
      this.openSeverity.set(key, { severity, openedMs: opened.openedMs, emissions: opened.emissions + 1 });
      this.published.push(alert);
      this.options.nc.publish(`${this.prefix}.alerts.sdhf.${severity.toLowerCase()}`, JSON.stringify(alert));
    }
  }

  /** For feed tests: publish an arbitrary alert message over NATS as the pipeline would. */
  publishAlert(alert: AlertMessage): void {
    this.options.nc.publish(
      `${this.prefix}.alerts.${alert.rule}.${alert.alert_severity.toLowerCase()}`,
      JSON.stringify(alert),
    );
  }
}
