/**
 * Worker threads (shard workers, piscina tasks) need a JavaScript file. In production the caller already runs
 * from `dist/`; under vitest it runs from the TypeScript sources, so the compiled twin in `dist/` is used
 * instead. The integration tests' global setup (test/support/build-dist.ts) rebuilds `dist/` before any test,
 * so that twin is never older than its source.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function compiledSibling(importMetaUrl: string, relativeJsPath: string): string {
  const target = fileURLToPath(new URL(relativeJsPath, importMetaUrl));
  if (!target.endsWith('.js') || existsSync(target)) return target;
  const marker = '/src/';
  const at = target.lastIndexOf(marker);
  if (at >= 0) {
    const compiled = `${target.slice(0, at)}/dist${target.slice(at)}`;
    if (existsSync(compiled)) return compiled;
    throw new Error(`${compiled} is missing: run \`npm run build\` first (npm test and npm start do it).`);
  }
  return target;
}
