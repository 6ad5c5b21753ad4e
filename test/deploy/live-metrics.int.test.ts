/**
 * Every metric name the alert rules, the dashboard, the runbook and docs/metrics.md use is in the live
 * `/metrics` output of a running engine (see live-metrics.ts for how it is started).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { arrayAt, isObject, readRepoFile, repoPath, stringAt, type JsonObject } from './deploy-files.js';
import { liveMetricsText, seriesNames } from './live-metrics.js';
import { codeSpan, markdownTables } from './markdown-text.js';
import { alertRules, metricNamesIn } from './prometheus-rules.js';
import { metricTokens, runbookCode } from './runbook-commands.js';

/** Series Prometheus creates for every target, not the engine. */
const SCRAPE_SERIES = new Set(['up']);

describe('metric names against the live /metrics output', () => {
  let live: { series: Set<string>; metrics: Set<string> };

  beforeAll(async () => {
    live = seriesNames(await liveMetricsText());
  });

  const missing = (names: Iterable<string>) =>
    [...new Set(names)].filter(
      (name) => !live.series.has(name) && !live.metrics.has(name) && !SCRAPE_SERIES.has(name),
    );

  it("is a Prometheus text exposition with the engine's metrics in it", () => {
    expect(live.metrics.size).toBeGreaterThan(30);
    expect(live.metrics.has('sentinel_build_info')).toBe(true);
  });

  it('has every metric the alert rules use', () => {
    expect(missing(alertRules().flatMap((rule) => metricNamesIn(rule.expr)))).toEqual([]);
  });

  it('has every metric the dashboard queries', () => {
    const dashboard = JSON.parse(
      readFileSync(repoPath('deploy/grafana/sentinel.json'), 'utf8'),
    ) as JsonObject;
    const exprs = arrayAt(dashboard, 'panels')
      .filter(isObject)
      .flatMap((panel) => arrayAt(panel, 'targets').map((target) => stringAt(target, 'expr') ?? ''));
    expect(exprs.length).toBeGreaterThan(30);
    expect(missing(exprs.flatMap((expr) => metricNamesIn(expr)))).toEqual([]);
  });

  it("has every metric the runbook's commands grep for", () => {
    expect(missing(metricTokens(runbookCode(readRepoFile('docs/runbook.md')).join('\n')))).toEqual([]);
  });

  it('has every metric docs/metrics.md documents', () => {
    const table = markdownTables(readRepoFile('docs/metrics.md')).find(
      (candidate) => candidate.header[0] === 'Name',
    );
    const names = (table?.rows ?? []).map((row) => codeSpan(row[0] ?? '') ?? '');
    expect(names.length).toBeGreaterThan(30);
    expect(missing(names)).toEqual([]);
  });
});
