/**
 * A shard worker's own NATS connection, its JetStream clients and the publishers for alerts, case events and
 * dead letters.
 * Each worker connects for itself, so no CDR, alert or dead letter ever crosses a thread boundary.
 */
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { AlertPublisher, CaseEventPublisher, DeadLetterPublisher, natsServers } from '../../stream/index.js';

/** Publishes in flight per publisher before `publish()` waits: bounds memory when the stream is slow. */
const PUBLISHER_MAX_IN_FLIGHT = 256;

export interface WorkerConnections {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  alertPublisher: AlertPublisher;
  casePublisher: CaseEventPublisher;
  deadLetterPublisher: DeadLetterPublisher;
}

export async function openWorkerConnections(
  natsUrl: string,
  workerId: number,
  logger: Logger,
): Promise<WorkerConnections> {
  const nc = await connect({
    servers: natsServers(natsUrl),
    name: `sentinel-worker-${workerId}`,
    maxReconnectAttempts: -1,
  });
  return {
    nc,
    js: jetstream(nc),
    jsm: await jetstreamManager(nc),
    alertPublisher: new AlertPublisher(nc, { logger, maxInFlight: PUBLISHER_MAX_IN_FLIGHT }),
    casePublisher: new CaseEventPublisher(nc, { logger, maxInFlight: PUBLISHER_MAX_IN_FLIGHT }),
    deadLetterPublisher: new DeadLetterPublisher(nc, { logger, maxInFlight: PUBLISHER_MAX_IN_FLIGHT }),
  };
}

/** Flushes the publishers (what they hold was produced from committed batches) and drains the connection. */
export async function closeWorkerConnections(connections: WorkerConnections): Promise<void> {
  await Promise.allSettled([
    connections.alertPublisher.close(),
    connections.casePublisher.close(),
    connections.deadLetterPublisher.close(),
  ]);
  await connections.nc.drain().catch(() => undefined);
}
