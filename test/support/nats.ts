/** Connections and unique names for tests against the suite's nats-server. */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { nuid } from '@nats-io/nats-core';
import { afterAll, beforeAll, inject } from 'vitest';
import { resolveStreamNames, type StreamNames } from '../../src/stream/index.js';

export async function connectTestNats(): Promise<NatsConnection> {
  return await connect({ servers: inject('natsUrl'), name: 'sentinel-test' });
}

/** A name no other test uses, for streams, consumers and subject prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${nuid.next()}`;
}

/** Stream names and subject prefixes no other test uses (every stream the engine sets up). */
export function uniqueStreamNames(tag: string): StreamNames {
  const id = uniqueName(tag).toLowerCase();
  return resolveStreamNames({
    cdrStream: uniqueName('CDR'),
    cdrSubjectPrefix: `test.${id}.cdr.in`,
    dlqStream: uniqueName('CDR_DLQ'),
    dlqSubject: `test.${id}.cdr.dlq`,
    alertsStream: uniqueName('ALERTS'),
    alertsSubjectPrefix: `test.${id}.alerts`,
    casesStream: uniqueName('CASES'),
    casesSubjectPrefix: `test.${id}.cases`,
    feedStream: uniqueName('CDR_FEED'),
    feedSubjectPrefix: `test.${id}.cdr.feed`,
  });
}

/** A stream of one test file's own, with the connection and manager that made it. */
export interface ScratchStream {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly stream: string;
  /** The stream's one subject. */
  readonly subject: string;
}

/**
 * Registers hooks that connect and create a stream named after `prefix` before the calling file's (or
 * describe block's) tests, and delete it and close the connection after them. Use the fields inside tests.
 */
export function scratchStream(prefix: string): ScratchStream {
  const stream = uniqueName(prefix);
  let nc: NatsConnection | undefined;
  let jsm: JetStreamManager | undefined;
  beforeAll(async () => {
    nc = await connectTestNats();
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`test.${stream.toLowerCase()}`] });
  });
  afterAll(async () => {
    await jsm?.streams.delete(stream).catch(() => false);
    await nc?.close();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined)
      throw new Error(`scratch stream ${stream} is used before its beforeAll hook ran`);
    return value;
  };
  return {
    get nc() {
      return ready(nc);
    },
    get jsm() {
      return ready(jsm);
    },
    stream,
    subject: `test.${stream.toLowerCase()}`,
  };
}
