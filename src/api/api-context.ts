/** What every route file receives: the typed Fastify instance and the server's shared dependencies. */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Metrics } from '../metrics/index.js';
import type { EnginePort, RuleSettingsDoc } from './engine-port.js';
import type { AlertFeedHub } from './feed/alert-feed-hub.js';
import type { CsvParsePool } from './ingest/csv-parse-pool.js';

export type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ApiContext {
  config: Config;
  pool: pg.Pool;
  engine: EnginePort;
  metrics: Metrics;
  logger: Logger;
  version: string;
  feed: AlertFeedHub;
  csv: CsvParsePool;
  /** The rule settings the configuration implies (before anything stored). */
  ruleDefaults: RuleSettingsDoc;
  startedAtMs: number;
}

/** The principal's name for audit columns; routes behind the auth hook always have one. */
export function actorName(principal: { name: string } | null): string {
  return principal?.name ?? 'anonymous';
}
