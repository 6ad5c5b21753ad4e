/** Connections and unique names for tests against the suite's nats-server. */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { nuid } from '@nats-io/nats-core';
import { inject } from 'vitest';
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
