/**
 * docs/config.md and docs/metrics.md list exactly what the engine has: every variable in CONFIG_KEYS with
 * its default, every metric in METRIC_CATALOG with its type and labels.
 */
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, loadConfig } from '../../src/config/index.js';
import { DEFAULT_PROCESS_METRICS, METRIC_CATALOG } from '../../src/metrics/index.js';
import { readRepoFile } from './deploy-files.js';
import { codeSpan, headingAnchors, markdownTables, type MarkdownTable } from './markdown-text.js';

function tablesWithHeader(markdown: string, firstColumn: string): MarkdownTable[] {
  return markdownTables(markdown).filter((table) => table.header[0] === firstColumn);
}

describe('docs/config.md', () => {
  const markdown = readRepoFile('docs/config.md');
  const rows = tablesWithHeader(markdown, 'Variable').flatMap((table) => table.rows);

  it('documents exactly the variables in CONFIG_KEYS, once each', () => {
    const names = rows.map((row) => codeSpan(row[0] ?? '') ?? `?${row[0]}`);
    expect([...names].sort()).toEqual([...CONFIG_KEYS].sort());
    expect(new Set(names).size).toBe(names.length);
  });

  it('gives each a default, accepted values and a meaning', () => {
    for (const row of rows) {
      expect(row, row[0]).toHaveLength(4);
      for (const cell of row) expect(cell.length, row[0]).toBeGreaterThan(0);
    }
  });

  it('states the defaults loadConfig uses for plain numeric settings', () => {
    // Spot checks on values operators tune most; the engine's defaults are the source of truth.
    const defaults = loadConfig({
      NATS_URL: 'nats://localhost:4222',
      DATABASE_URL: 'postgres://localhost/sentinel',
    });
    const documented = new Map(rows.map((row) => [codeSpan(row[0] ?? ''), row[1] ?? '']));
    expect(documented.get('PARTITIONS')).toBe(`\`${defaults.partitions}\``);
    expect(documented.get('HTTP_PORT')).toBe(`\`${defaults.httpPort}\``);
    expect(documented.get('SDHF_MIN_UNIQUE_DESTINATIONS')).toBe(`\`${defaults.sdhf.minDistinctCallees}\``);
    expect(documented.get('SDHF_MAX_AVG_DURATION_SECONDS')).toBe(
      `\`${defaults.sdhf.maxAvgDurationSeconds.toFixed(1)}\``,
    );
    expect(documented.get('RETENTION_DAYS')).toBe(`\`${defaults.retentionDays}\``);
    expect(documented.get('DATABASE_POOL_MAX_SIZE')).toBe(`\`${defaults.databasePoolMaxSize}\``);
    expect(documented.get('SINK_BATCH_MAX_ROWS')).toBe(`\`${defaults.sink.batchMaxRows}\``);
  });

  it('links only to anchors that exist in deploy.md', () => {
    const anchors = headingAnchors(readRepoFile('docs/deploy.md'));
    for (const match of markdown.matchAll(/\(deploy\.md#([a-z0-9-]+)\)/g))
      expect(anchors).toContain(match[1]);
  });
});

describe('docs/metrics.md', () => {
  const markdown = readRepoFile('docs/metrics.md');
  const [table, ...others] = tablesWithHeader(markdown, 'Name');

  it('has one table listing exactly the metric catalog and the standard process metrics', () => {
    expect(others).toEqual([]);
    const names = (table?.rows ?? []).map((row) => codeSpan(row[0] ?? '') ?? `?${row[0]}`);
    const expected = [...METRIC_CATALOG.map((spec) => spec.name), ...DEFAULT_PROCESS_METRICS];
    expect([...names].sort()).toEqual([...expected].sort());
    expect(new Set(names).size).toBe(names.length);
  });

  it('gives each catalog metric its type, labels and seed-or-new origin', () => {
    const byName = new Map((table?.rows ?? []).map((row) => [codeSpan(row[0] ?? ''), row]));
    for (const spec of METRIC_CATALOG) {
      const row = byName.get(spec.name);
      expect(row?.[1], spec.name).toBe(spec.kind);
      const labels = [...(row?.[2] ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1]);
      expect(labels, spec.name).toEqual([...spec.labels]);
      expect(row?.[3]?.length, spec.name).toBeGreaterThan(10);
      expect(row?.[4], spec.name).toBe('seed' in spec ? 'seed' : 'new');
    }
    for (const name of DEFAULT_PROCESS_METRICS) expect(byName.get(name)?.[4], name).toBe('standard');
  });
});
