/**
 * Idempotent create-or-update of the engine's JetStream streams (docs/design.md §2, contract):
 * - The CDR stream(s) on `cdr.in.<p>`: one stream per partition, `CDR_P00` … (or the v1 single `CDR` on
 *   `cdr.in.*`; see cdr-layout.ts); file storage, limits retention, discard old.
 * - `CDR_DLQ` on `cdr.dlq` — rejected records with the reason in headers.
 * - `ALERTS` on `sentinel.alerts.>` — `sentinel.alerts.<rule>.<severity>`, Msg-Id = alert key.
 * - `CASES` on `sentinel.cases.>` — `sentinel.cases.<rule>.<kind>`, Msg-Id = case event key. Its own stream, not
 *   more subjects on ALERTS, so consumers that read all of ALERTS keep receiving alerts only
 *   (docs/adr/0014-case-storage-and-publish-after-commit.md).
 * - `CDR_FEED` on `cdr.feed.*` — switches' own records, `cdr.feed.<profile>`, waiting for the feed normaliser.
 *   Work-queue retention: a record is removed once normalised and acked, and one durable consumer per profile
 *   (non-overlapping filters, which a work queue requires) is shared by every engine instance.
 * Works on nats-server 2.9: no subject transforms, no multi-filter consumers, no metadata or compression.
 */
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import type { JetStreamManager, StreamConfig, StreamInfo } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { partitionStreamName, type CdrLayoutKind } from './cdr-layout.js';
import { CDR_SUBJECT_PREFIX, FEED_SUBJECT_PREFIX } from './subjects.js';
import { StreamSetupError } from './stream-errors.js';

/** Stream names and subjects; tests override them so they never touch a real deployment's streams. */
export interface StreamNames {
  /** @default 'CDR' */
  cdrStream: string;
  /** Records go to `<prefix>.<partition>`. @default 'cdr.in' */
  cdrSubjectPrefix: string;
  /** @default 'CDR_DLQ' */
  dlqStream: string;
  /** @default 'cdr.dlq' */
  dlqSubject: string;
  /** @default 'ALERTS' */
  alertsStream: string;
  /** Alerts go to `<prefix>.<rule>.<severity>`. @default 'sentinel.alerts' */
  alertsSubjectPrefix: string;
  /** @default 'CASES' */
  casesStream: string;
  /** Case events go to `<prefix>.<rule>.<kind>`. @default 'sentinel.cases' */
  casesSubjectPrefix: string;
  /** @default 'CDR_FEED' */
  feedStream: string;
  /** Raw switch records go to `<prefix>.<profile>`. @default 'cdr.feed' */
  feedSubjectPrefix: string;
}

export const DEFAULT_STREAM_NAMES: Readonly<StreamNames> = Object.freeze({
  cdrStream: 'CDR',
  cdrSubjectPrefix: CDR_SUBJECT_PREFIX,
  dlqStream: 'CDR_DLQ',
  dlqSubject: 'cdr.dlq',
  alertsStream: 'ALERTS',
  alertsSubjectPrefix: 'sentinel.alerts',
  casesStream: 'CASES',
  casesSubjectPrefix: 'sentinel.cases',
  feedStream: 'CDR_FEED',
  feedSubjectPrefix: FEED_SUBJECT_PREFIX,
});

const DAY_MS = 86_400_000;
/** JetStream's own default, and the floor: switches retry within this window and get deduplicated. */
export const MIN_DUPLICATE_WINDOW_MS = 120_000;

export interface StreamSettings {
  /** Partitions of the CDR stream (fixed per deployment); recorded in the stream description. */
  partitions: number;
  /** `max_age` of CDR: longest window + lateness + margin. */
  cdrMaxAgeMs: number;
  /** Duplicate window of CDR and DLQ; raised to 2 min when lower. */
  duplicateWindowMs: number;
  /** One CDR stream per partition, or the v1 single stream (cdr-layout.ts). */
  cdrLayout: CdrLayoutKind;
  /** @default 1 */
  replicas?: number;
  /** @default 30 days */
  alertsMaxAgeMs?: number;
  /** Alert keys are deterministic, so a long window turns re-emissions after a restart into no-ops. @default 1 h */
  alertsDuplicateWindowMs?: number;
  /** @default 30 days */
  casesMaxAgeMs?: number;
  /**
   * Case events are few (a handful per suspect a day) and their keys deterministic: a day-long window makes
   * every re-publish from the outbox within a day a no-op for a small amount of server memory. @default 24 h
   */
  casesDuplicateWindowMs?: number;
  /** @default 14 days */
  dlqMaxAgeMs?: number;
  /** How long an unconsumed feed record is kept (no engine serves its profile). @default `cdrMaxAgeMs` */
  feedMaxAgeMs?: number;
  /** Duplicate window of CDR_FEED (switches setting Nats-Msg-Id). @default `duplicateWindowMs` */
  feedDuplicateWindowMs?: number;
  names?: Partial<StreamNames>;
}

export type StreamChange =
  | { stream: string; action: 'created' }
  | { stream: string; action: 'updated'; changed: string[] }
  | { stream: string; action: 'unchanged' };

type DesiredStream = Pick<
  StreamConfig,
  | 'name'
  | 'subjects'
  | 'storage'
  | 'retention'
  | 'discard'
  | 'max_age'
  | 'duplicate_window'
  | 'num_replicas'
  | 'description'
>;

/** Fields compared and updated in place; `storage` and `retention` cannot change after creation. */
const MUTABLE_FIELDS = [
  'subjects',
  'discard',
  'max_age',
  'duplicate_window',
  'num_replicas',
  'description',
] as const;

export function resolveStreamNames(names: Partial<StreamNames> | undefined): StreamNames {
  return { ...DEFAULT_STREAM_NAMES, ...names };
}

function desiredStreams(settings: StreamSettings): DesiredStream[] {
  const names = resolveStreamNames(settings.names);
  const replicas = settings.replicas ?? 1;
  const common = {
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: replicas,
  };
  const duplicateWindowMs = Math.max(settings.duplicateWindowMs, MIN_DUPLICATE_WINDOW_MS);
  const window = (maxAgeMs: number, wantedMs: number): number => nanos(Math.min(wantedMs, maxAgeMs));
  const dlqMaxAgeMs = settings.dlqMaxAgeMs ?? 14 * DAY_MS;
  const alertsMaxAgeMs = settings.alertsMaxAgeMs ?? 30 * DAY_MS;
  const casesMaxAgeMs = settings.casesMaxAgeMs ?? 30 * DAY_MS;
  const feedMaxAgeMs = settings.feedMaxAgeMs ?? settings.cdrMaxAgeMs;
  const cdrCommon = {
    ...common,
    max_age: nanos(settings.cdrMaxAgeMs),
    // The server refuses a duplicate window longer than max_age.
    duplicate_window: window(settings.cdrMaxAgeMs, duplicateWindowMs),
  };
  const cdrStreams: DesiredStream[] =
    settings.cdrLayout === 'single'
      ? [
          {
            ...cdrCommon,
            name: names.cdrStream,
            subjects: [`${names.cdrSubjectPrefix}.*`],
            description: `Sentinel CDRs, ${settings.partitions} partitions: ${names.cdrSubjectPrefix}.<fnv1a32(caller) mod ${settings.partitions}>`,
          },
        ]
      : Array.from({ length: settings.partitions }, (_unused, partition) => ({
          ...cdrCommon,
          name: partitionStreamName(names.cdrStream, partition),
          subjects: [`${names.cdrSubjectPrefix}.${partition}`],
          description: `Sentinel CDRs of partition ${partition} of ${settings.partitions}: fnv1a32(caller) mod ${settings.partitions} = ${partition}`,
        }));
  return [
    ...cdrStreams,
    {
      ...common,
      name: names.dlqStream,
      subjects: [names.dlqSubject],
      description: 'Sentinel rejected CDRs: raw bytes, reason in Sentinel-Reason',
      max_age: nanos(dlqMaxAgeMs),
      duplicate_window: window(dlqMaxAgeMs, duplicateWindowMs),
    },
    {
      ...common,
      name: names.feedStream,
      subjects: [`${names.feedSubjectPrefix}.*`],
      retention: RetentionPolicy.Workqueue,
      description: `Sentinel switch feeds: ${names.feedSubjectPrefix}.<profile>, normalised to ${names.cdrSubjectPrefix}.<p>`,
      max_age: nanos(feedMaxAgeMs),
      duplicate_window: window(
        feedMaxAgeMs,
        Math.max(settings.feedDuplicateWindowMs ?? duplicateWindowMs, MIN_DUPLICATE_WINDOW_MS),
      ),
    },
    {
      ...common,
      name: names.alertsStream,
      subjects: [`${names.alertsSubjectPrefix}.>`],
      description: 'Sentinel alerts: <prefix>.<rule>.<severity>, Nats-Msg-Id = alert_key',
      max_age: nanos(alertsMaxAgeMs),
      duplicate_window: window(
        alertsMaxAgeMs,
        Math.max(settings.alertsDuplicateWindowMs ?? 3_600_000, MIN_DUPLICATE_WINDOW_MS),
      ),
    },
    {
      ...common,
      name: names.casesStream,
      subjects: [`${names.casesSubjectPrefix}.>`],
      description: 'Sentinel case events: <prefix>.<rule>.<kind>, Nats-Msg-Id = event_key',
      max_age: nanos(casesMaxAgeMs),
      duplicate_window: window(
        casesMaxAgeMs,
        Math.max(settings.casesDuplicateWindowMs ?? DAY_MS, MIN_DUPLICATE_WINDOW_MS),
      ),
    },
  ];
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    const left = a.map(String).sort();
    const right = b.map(String).sort();
    return left.length === right.length && left.every((item, i) => item === right[i]);
  }
  return (a ?? '') === (b ?? '');
}

function isNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
}

async function streamInfoOrUndefined(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new StreamSetupError(name, 'could not read the stream', { cause: error });
  }
}

async function ensureStream(
  jsm: JetStreamManager,
  desired: DesiredStream,
  logger: Logger,
): Promise<StreamChange> {
  const name = desired.name;
  const existing = await streamInfoOrUndefined(jsm, name);
  if (existing === undefined) {
    try {
      await jsm.streams.add({ ...desired });
    } catch (error) {
      throw new StreamSetupError(name, 'could not create the stream', { cause: error });
    }
    logger.info(
      { stream: name, subjects: desired.subjects, maxAgeMs: desired.max_age / 1e6 },
      'stream created',
    );
    return { stream: name, action: 'created' };
  }
  const config = existing.config;
  for (const immutable of ['storage', 'retention'] as const) {
    if (config[immutable] !== desired[immutable]) {
      throw new StreamSetupError(
        name,
        `${immutable} is ${config[immutable]} but must be ${desired[immutable]}; it cannot change in place`,
      );
    }
  }
  const changed = MUTABLE_FIELDS.filter((field) => !sameValue(config[field], desired[field]));
  if (changed.length === 0) return { stream: name, action: 'unchanged' };
  const update: Partial<StreamConfig> = {};
  for (const field of changed) Object.assign(update, { [field]: desired[field] });
  try {
    await jsm.streams.update(name, update);
  } catch (error) {
    throw new StreamSetupError(name, `could not update ${changed.join(', ')}`, { cause: error });
  }
  logger.info(
    { stream: name, changed, before: Object.fromEntries(changed.map((f) => [f, config[f]])), after: update },
    'stream updated',
  );
  return { stream: name, action: 'updated', changed };
}

/**
 * Creates the CDR, CDR_DLQ, CDR_FEED, ALERTS and CASES streams, or brings their mutable settings (subjects, max_age,
 * duplicate window, replicas, discard, description) in line. Safe to run on every start and from several
 * processes. Logs every change at info. Throws StreamSetupError (with the API error as `cause`).
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  settings: StreamSettings,
  logger: Logger,
): Promise<StreamChange[]> {
  const changes: StreamChange[] = [];
  for (const desired of desiredStreams(settings)) {
    try {
      changes.push(await ensureStream(jsm, desired, logger));
    } catch (error) {
      // Another process may have created the stream between our info and add: look once more.
      if (
        !(error instanceof StreamSetupError) ||
        (await streamInfoOrUndefined(jsm, desired.name)) === undefined
      ) {
        throw error;
      }
      changes.push(await ensureStream(jsm, desired, logger));
    }
  }
  return changes;
}
