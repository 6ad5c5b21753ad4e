/**
 * Brings `dist/` up to date before any integration test runs. Shard workers and piscina tasks load their
 * compiled twins from `dist/` (src/shared/compiled-path.ts) and some tests spawn `dist/src/cli/sentinel.js`,
 * so without this an edit to src/ would be tested against yesterday's JavaScript, silently.
 *
 * `tsc -b` with the incremental build info in dist/ (tsconfig.build.json) decides from the build info whether
 * anything changed. Measured on the 2-core development machine: ~0.6–1 s when nothing changed (the usual
 * case under `npm test`, whose pretest step has just built), ~10–13 s after editing one file, ~40 s from an
 * empty dist/. A failed build fails the run with the compiler's output; it never falls back to old files.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

export default async function setup(): Promise<void> {
  try {
    await promisify(execFile)(process.execPath, [TSC, '-b', 'tsconfig.build.json'], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024, // 16 MiB: room for a long list of compiler errors
    });
  } catch (error) {
    const output = error instanceof Error && 'stdout' in error ? String(error.stdout) : '';
    throw new Error(
      `Building dist/ (tsc -b tsconfig.build.json) failed; the integration tests run the compiled code, ` +
        `so they do not start on a stale or broken build.\n${output}`,
      { cause: error },
    );
  }
}
