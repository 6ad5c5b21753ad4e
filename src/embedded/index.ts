export { startNatsServer, findNatsServerBinary, NatsServerMissingError } from './nats-server-process.js';
export type { NatsServerProcess } from './nats-server-process.js';
export { startEmbeddedPostgres } from './embedded-postgres.js';
export type { EmbeddedPostgresHandle } from './embedded-postgres.js';
export { findFreePort, isPortOpen } from './free-port.js';
