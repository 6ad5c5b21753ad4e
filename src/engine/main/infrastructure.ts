/**
 * Where NATS and Postgres come from. Configured URLs win; without them the engine starts its own
 * nats-server child and an embedded Postgres with data under local folders, so one command runs everything.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import { isPortOpen, startEmbeddedPostgres, startNatsServer } from '../../embedded/index.js';

export interface Infrastructure {
  natsUrl: string;
  databaseUrl: string;
  embedded: { nats: boolean; postgres: boolean };
  stop(): Promise<void>;
}

const EMBEDDED_DATABASE = 'sentinel';

export async function resolveInfrastructure(config: Config, logger: Logger): Promise<Infrastructure> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const fn of stops.reverse())
      await fn().catch((error: unknown) => logger.warn({ err: error }, 'stop failed'));
  };
  try {
    let natsUrl = config.natsUrl;
    if (natsUrl === undefined) {
      // The conventional port when it is free, so `nats sub 'sentinel.alerts.>'` works without flags.
      const port = (await isPortOpen(4222)) ? 0 : 4222;
      const nats = await startNatsServer({ dataDir: config.natsDataDir, port, pathEnv: config.searchPath });
      stops.push(() => nats.stop());
      natsUrl = nats.url;
      logger.info({ url: nats.url, dataDir: nats.dataDir }, 'embedded nats-server started (JetStream)');
    }
    let databaseUrl = config.databaseUrl;
    if (databaseUrl === undefined) {
      const port = (await isPortOpen(5433)) ? 0 : 5433;
      const postgres = await startEmbeddedPostgres({
        dataDir: config.postgresDataDir,
        port,
        persistent: true,
      });
      stops.push(() => postgres.stop());
      databaseUrl = await ensureDatabase(postgres.adminUrl, EMBEDDED_DATABASE);
      logger.info(
        { port: postgres.port, dataDir: postgres.dataDir, database: EMBEDDED_DATABASE },
        'embedded Postgres started',
      );
    }
    return {
      natsUrl,
      databaseUrl,
      embedded: { nats: config.natsUrl === undefined, postgres: config.databaseUrl === undefined },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
