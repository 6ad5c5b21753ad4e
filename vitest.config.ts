import { configDefaults, defineConfig } from 'vitest/config';

/** Files that need nats-server, Postgres, worker threads, child processes or the compiled `dist/`. */
const INTEGRATION_FILES = 'test/**/*.int.test.ts';
/** The full chaos suite: minutes of 3-node clusters and engine processes, only under `npm run test:chaos`. */
const CHAOS_FILES = 'test/chaos/**/*.chaos.test.ts';

export default defineConfig({
  test: {
    // Inherited by both projects (`extends: true`). Only the integration project has a global setup: the root
    // project's setup would run for every run, `npm run test:unit` included.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers only make the integration servers and the property tests fight for them.
    maxWorkers: 2,
    fileParallelism: true,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, INTEGRATION_FILES, CHAOS_FILES],
          // Fast feedback first when both projects run (`npm test`).
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [INTEGRATION_FILES],
          // In order: build dist/ (workers and the spawned CLI run it), then start the servers.
          globalSetup: ['test/support/build-dist.ts', 'test/support/global-setup.ts'],
          sequence: { groupOrder: 1 },
        },
      },
      // Only when asked for (npm run test:chaos sets SENTINEL_CHAOS=1): `npm test` runs the short scenario in
      // the integration project instead. One file at a time: each scenario runs 3 servers and 3-4 engines.
      ...(process.env.SENTINEL_CHAOS === '1'
        ? [
            {
              extends: true as const,
              test: {
                name: 'chaos',
                include: [CHAOS_FILES],
                globalSetup: ['test/support/build-dist.ts', 'test/support/global-setup.ts'],
                fileParallelism: false,
                testTimeout: 300_000,
                sequence: { groupOrder: 2 },
              },
            },
          ]
        : []),
    ],
  },
});
