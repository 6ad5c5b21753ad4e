/** Connections and unique names for tests against the suite's nats-server. */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { nuid } from '@nats-io/nats-core';
import { inject } from 'vitest';

export async function connectTestNats(): Promise<NatsConnection> {
  return await connect({ servers: inject('natsUrl'), name: 'sentinel-test' });
}

/** A name no other test uses, for streams, consumers and subject prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${nuid.next()}`;
}
