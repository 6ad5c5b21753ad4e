/**
 * The engine as the HTTP API sees it (EnginePort). Caller queries go to the worker running the caller's
 * partition in this process, or over NATS request/reply to the instance that owns it (partition-queries.ts).
 * Rule changes are applied here at once and broadcast on a control subject so every other instance applies
 * them too.
 *
 * The live feed reads alerts and case events from their JetStream streams (ALERTS, CASES) through ordered
 * consumers that start at "new", not from a core subscription: the streams hold each message once (the
 * workers publish after commit, with deterministic Msg-Ids that JetStream deduplicates), so a feed client
 * never sees an event a replay or a retry re-published (docs/adr/0014-case-storage-and-publish-after-commit.md).
 */
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { CallerView, EngineHealth, EnginePort, FeedAlert, RuleSettingsDoc } from '../../api/index.js';
import { cdrSubject, type CaseEventMessage, type CdrPublisher } from '../../stream/index.js';
import { partitionOf } from '../../codec/index.js';
import type { SourceHealthSnapshot } from '../../metrics/index.js';
import type { CallerSnapshot } from '../protocol.js';
import { PartitionQueries, OWNER_ANSWER_TIMEOUT_MS, type ViewQuestion } from './partition-queries.js';
import { isAllowlisted, toRuleSettings } from './rules-mapping.js';
import type { WorkerSupervisor } from './worker-supervisor.js';

export const CONTROL_RULES_SUBJECT = 'sentinel.control.rules';

export interface EnginePortDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  publisher: CdrPublisher;
  supervisor: WorkerSupervisor;
  partitions: number;
  consumerGroup: string;
  natsUrl: string;
  /** Whether the main connection is up now (false while it reconnects). */
  natsConnected(): boolean;
  /** The streams the live feed follows. */
  streams: { alerts: string; cases: string };
  logger: Logger;
  rules: RuleSettingsDoc;
  /** Case lifecycle for documents that carry none (the configuration's). */
  caseDefaults?: RuleSettingsDoc['cases'];
  /** The per-source figures over the recent window (Metrics.sources). */
  sourceHealth(): SourceHealthSnapshot;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Digits of the record's caller for partitioning; records that fail validation still need a partition. */
function callerDigitsOf(record: Record<string, unknown>): string {
  const raw =
    typeof record.caller === 'string' || typeof record.caller === 'number' ? String(record.caller) : '';
  const digits = raw.replace(/^\+/, '');
  return /^\d+$/.test(digits) ? digits : '0';
}

export class EngineRuntimePort implements EnginePort {
  private readonly encoder = new TextEncoder();
  private readonly listeners = new Set<(alert: FeedAlert) => void>();
  private readonly caseListeners = new Set<(event: CaseEventMessage) => void>();
  private readonly subscriptions: Subscription[] = [];
  private readonly followed: ConsumerMessages[] = [];
  private rules: RuleSettingsDoc;
  /** Answers questions about callers of the partitions running here; asks the owners of the others. */
  readonly queries: PartitionQueries;

  constructor(private readonly deps: EnginePortDeps) {
    this.rules = deps.rules;
    this.queries = new PartitionQueries(
      deps.nc,
      deps.consumerGroup,
      (question) => this.answer(question),
      deps.logger,
    );
  }

  /** Follows the ALERTS and CASES streams for the feed; subscribes to rule broadcasts and caller queries. */
  async start(): Promise<void> {
    const { nc, logger } = this.deps;
    const rules = nc.subscribe(CONTROL_RULES_SUBJECT, {
      callback: (error, msg) => {
        if (error) return;
        try {
          this.applyLocally(msg.json<RuleSettingsDoc>());
        } catch (applyError) {
          logger.error({ err: applyError }, 'ignoring malformed rule broadcast');
        }
      },
    });
    this.subscriptions.push(rules);
    await this.follow(this.deps.streams.alerts, this.listeners);
    await this.follow(this.deps.streams.cases, this.caseListeners);
  }

  /** An ordered consumer from "new" on `stream`, handing each message's JSON to `listeners`. */
  private async follow<T>(stream: string, listeners: ReadonlySet<(message: T) => void>): Promise<void> {
    const { logger } = this.deps;
    const consumer = await this.deps.js.consumers.get(stream, { deliver_policy: DeliverPolicy.New });
    const messages = await consumer.consume({
      callback: (msg: JsMsg) => {
        if (listeners.size === 0) return;
        let message: T;
        try {
          message = msg.json<T>();
        } catch {
          return;
        }
        for (const listener of listeners) {
          try {
            listener(message);
          } catch (listenerError) {
            logger.warn({ err: listenerError, stream }, 'feed listener failed');
          }
        }
      },
    });
    this.followed.push(messages);
  }

  stop(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    for (const messages of this.followed.splice(0)) void messages.close().catch(() => undefined);
    this.queries.stopAll();
  }

  /** The owner's side of a question: wait until the event is applied when asked to, then the live view. */
  private async answer(question: ViewQuestion): Promise<CallerView | undefined> {
    const partition = partitionOf(question.digits, this.deps.partitions);
    if (question.waitSeq !== undefined)
      await this.deps.supervisor.waitApplied(partition, question.waitSeq, OWNER_ANSWER_TIMEOUT_MS);
    return await this.localView(question.digits);
  }

  get currentRules(): RuleSettingsDoc {
    return this.rules;
  }

  private applyLocally(doc: RuleSettingsDoc): void {
    this.rules = doc;
    this.deps.supervisor.setRules(toRuleSettings(doc, this.deps.caseDefaults));
  }

  private async localView(digits: string): Promise<CallerView | undefined> {
    const partition = partitionOf(digits, this.deps.partitions);
    const snapshot = await this.deps.supervisor.callerSnapshot(Number(digits), partition);
    return this.toView(digits, partition, snapshot);
  }

  private toView(digits: string, partition: number, snapshot: CallerSnapshot | undefined): CallerView {
    return {
      number: digits,
      partition,
      worker: snapshot?.worker ?? -1,
      allowlisted: isAllowlisted(digits, this.rules.allowlist),
      windows: (snapshot?.stats.windows ?? []).map((w) => ({
        windowSeconds: Math.round(w.windowMs / 1_000),
        callCount: w.callCount,
        uniqueDestinations: w.distinctCallees,
        totalDurationSeconds: w.totalDurationSeconds,
        avgDurationSeconds: w.avgDurationSeconds,
        firstEventAt: iso(w.firstEventAtMs),
        lastEventAt: iso(w.lastEventAtMs),
      })),
      openEpisodes: (snapshot?.stats.openEpisodes ?? []).map((e) => ({
        rule: e.rule,
        windowSeconds: Math.round(e.windowMs / 1_000),
        severity: e.severity,
        episodeKey: e.episodeKey,
        openedAt: new Date(e.startedAtMs).toISOString(),
      })),
    };
  }

  async callerView(callerDigits: string): Promise<CallerView | undefined> {
    const partition = partitionOf(callerDigits, this.deps.partitions);
    if (this.deps.supervisor.owns(partition)) return await this.localView(callerDigits);
    return await this.queries.ask(partition, { digits: callerDigits });
  }

  async publishCdrs(
    records: readonly Record<string, unknown>[],
  ): Promise<{ published: number; duplicates: number }> {
    const before = this.deps.publisher.stats();
    for (const record of records) {
      const callId = typeof record.call_id === 'string' ? record.call_id : '';
      await this.deps.publisher.publishRaw(
        this.encoder.encode(JSON.stringify(record)),
        callId,
        callerDigitsOf(record),
      );
    }
    await this.deps.publisher.flush();
    const after = this.deps.publisher.stats();
    return { published: after.acked - before.acked, duplicates: after.duplicates - before.duplicates };
  }

  async submitAndView(
    record: Record<string, unknown>,
    callerDigits: string,
  ): Promise<CallerView | undefined> {
    const partition = partitionOf(callerDigits, this.deps.partitions);
    const callId = typeof record.call_id === 'string' ? record.call_id : undefined;
    const ack = await this.deps.js.publish(
      cdrSubject(partition),
      JSON.stringify(record),
      callId === undefined ? {} : { msgID: callId },
    );
    if (this.deps.supervisor.owns(partition))
      return await this.answer({ digits: callerDigits, waitSeq: ack.seq });
    return await this.queries.ask(partition, { digits: callerDigits, waitSeq: ack.seq });
  }

  async applyRules(settings: RuleSettingsDoc): Promise<void> {
    this.applyLocally(settings);
    this.deps.nc.publish(CONTROL_RULES_SUBJECT, JSON.stringify(settings));
    await this.deps.nc.flush();
  }

  async health(): Promise<EngineHealth> {
    const workers = this.deps.supervisor.statuses().map((s) => ({
      id: s.id,
      state: s.state,
      partitions: s.partitions,
      restarts: s.restarts,
      bufferedRows: s.health?.bufferedRows ?? 0,
      sinkCircuit: s.health?.sinkCircuit ?? 'closed',
      consumerPending: s.health?.consumerPending ?? {},
      window: s.health?.window ?? { callers: 0, eventsHeld: 0, bytes: 0 },
    }));
    return {
      nats: { connected: this.deps.natsConnected(), url: this.deps.natsUrl },
      workers,
      ready: this.deps.supervisor.allReady(),
      sources: this.deps.sourceHealth(),
    };
  }

  onAlert(listener: (alert: FeedAlert) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onCaseEvent(listener: (event: CaseEventMessage) => void): () => void {
    this.caseListeners.add(listener);
    return () => this.caseListeners.delete(listener);
  }
}
