/**
 * `sentinel start`: the service. Handles SIGTERM/SIGINT with a graceful, deadline-bound shutdown.
 */
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { startService } from '../engine/index.js';
import { runDemoFeed } from './demo-feed.js';

export async function runStartCommand(
  config: Config,
  deps: { logger: Logger; version: string; stdout: Writable },
): Promise<number> {
  const { logger } = deps;
  const service = await startService(config, { logger, version: deps.version });
  let exitCode: number | undefined;
  const done = new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (exitCode !== undefined) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      exitCode = 0;
      logger.info({ signal }, 'signal received: stopping');
      // The shutdown has its own deadline for the workers; this one bounds everything else (e.g. a NATS
      // server that vanished first, which a drain would wait on for ever).
      setTimeout(() => {
        logger.error({ deadlineMs: config.shutdownTimeoutMs }, 'shutdown overran its deadline: exiting');
        process.exit(1);
      }, config.shutdownTimeoutMs + 10_000).unref();
      void service.stop().then((clean) => resolve(clean ? 0 : 1));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  const ready = await service.whenReady();
  logger.info({ ready }, ready ? 'all shard workers ready' : 'shard workers not ready yet; continuing');
  if (config.demo) {
    deps.stdout.write(
      `\nDemo mode: streaming a synthetic day of CDRs through NATS (${service.infrastructure.natsUrl}).\n` +
        `Subscribe with any NATS client to 'sentinel.alerts.>'; API at ${service.httpUrl ?? '(off)'}` +
        `${service.devApiKey === undefined ? '' : ` with header X-API-Key: ${service.devApiKey}`}\n\n`,
    );
    await runDemoFeed(service, deps.stdout, logger, config.demoSubscribers).catch((error: unknown) =>
      logger.error({ err: error }, 'demo feed failed'),
    );
    deps.stdout.write('The engine keeps running: Ctrl-C stops it gracefully.\n');
  }
  return await done;
}
