/**
 * Test code that must run in a child process (so a test can SIGKILL it) is written in TypeScript like every
 * test and transpiled here, file by file, next to the compiled product in `dist/` (the integration setup has
 * just built it): `test/support/x.ts` becomes `dist/test/support/x.js`, whose `../../src/…` imports then resolve
 * to `dist/src/…`. Transpiling skips type checks; `tsc -p tsconfig.json` covers these files like any other.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Transpiles repo-relative `.ts` files into `dist/`; returns the absolute path of the first one's output. */
export function transpileForChild(files: readonly string[]): string {
  const outputs = files.map((file) => {
    const source = readFileSync(join(REPO_ROOT, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    });
    const out = join(REPO_ROOT, 'dist', file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
    return out;
  });
  return outputs[0]!;
}
