import { readFileSync } from 'node:fs';

/** The package version, read once from package.json next to src/ or dist/. */
export function packageVersion(): string {
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (parsed.name === 'sentinel-stream' && parsed.version !== undefined) return parsed.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}
