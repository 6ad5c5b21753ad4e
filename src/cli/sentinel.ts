#!/usr/bin/env node
/**
 * The `sentinel` command. `start` runs the engine (embedded NATS and Postgres when NATS_URL / DATABASE_URL are
 * unset); the others are operator tools. Configuration comes from the environment (docs/config.md).
 */
import { ConfigError, loadProcessConfig } from '../config/index.js';
import { UsageError, createLogger } from '../shared/index.js';
import { runPublishCommand } from './publish-command.js';
import { runMigrateCommand, runPartitionsCommand } from './admin-commands.js';
import { runDlqCommand } from './dlq-command.js';
import { runStartCommand } from './start-command.js';
import { packageVersion } from './version.js';

const USAGE = `usage: sentinel <command>
  start                              run the engine (HTTP on HTTP_PORT, default 8000)
  publish <file|-> [--format csv|ndjson] [--profile NAME [--mapping FILE]] [--rate N]
                                     publish CDRs (or a switch's own records through an input profile) to the
                                     CDR stream, partitioned and deduplicated by call_id
  migrate                            apply database migrations
  partitions [--ensure-ahead DAYS] [--drop-before YYYY-MM-DD]
                                     create future / drop old call_records day partitions
  dlq list|replay [--reason R] [--since T] [--limit N] [--profile NAME [--mapping FILE]] [--dry-run]
                                     inspect dead letters, or republish them after a fix (stored at most once)
  version                            print the version`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === 'help' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const config = loadProcessConfig();
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  const needUrl = (value: string | undefined, key: string): string => {
    if (value === undefined)
      throw new UsageError(`${command} needs ${key} (only 'start' runs embedded servers)`);
    return value;
  };
  switch (command) {
    case 'start':
      return await runStartCommand(config, {
        logger,
        version: packageVersion(),
        stdout: process.stdout,
      });
    case 'publish':
      return await runPublishCommand(
        args,
        { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
        {
          // A dry run converts and validates only; it needs no NATS.
          natsUrl: args.includes('--dry-run') ? (config.natsUrl ?? '') : needUrl(config.natsUrl, 'NATS_URL'),
          partitions: config.partitions,
          logger,
        },
      );
    case 'migrate':
      await runMigrateCommand(needUrl(config.databaseUrl, 'DATABASE_URL'), process.stdout, logger);
      return 0;
    case 'partitions':
      await runPartitionsCommand(args, needUrl(config.databaseUrl, 'DATABASE_URL'), process.stdout);
      return 0;
    case 'dlq':
      return await runDlqCommand(args, {
        databaseUrl: needUrl(config.databaseUrl, 'DATABASE_URL'),
        natsUrl: needUrl(config.natsUrl, 'NATS_URL'),
        partitions: config.partitions,
        feed: config.feed,
        logger,
        out: process.stdout,
      });
    default:
      process.stderr.write(`unknown command: ${command}\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof UsageError) {
      process.stderr.write(`sentinel: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(
      `sentinel: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
