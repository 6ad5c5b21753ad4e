/**
 * deploy/prometheus: promtool accepts the rules, their unit tests and the Compose config; every alert uses
 * only metrics the engine exports, carries a severity, a summary and a runbook_url whose anchor exists.
 */
import { describe, expect, it } from 'vitest';
import {
  arrayAt,
  findTool,
  loadYamlObject,
  readRepoFile,
  repoPath,
  runTool,
  stringAt,
} from './deploy-files.js';
import { headingAnchors } from './markdown-text.js';
import { RULES_FILE, alertRules, metricNamesIn, unknownMetricNames } from './prometheus-rules.js';

/** The predecessor's alert names (docs/design.md §7): each is kept in rules.yaml or retired in the runbook. */
const SEED_ALERTS = [
  'SentinelHighIngestionErrorRate',
  'SentinelCriticalIngestionErrorRate',
  'SentinelSlowAPIResponses',
  'SentinelVerySlowAPIResponses',
  'SentinelSlowDetection',
  'SentinelHighUnreviewedAlerts',
  'SentinelCriticalUnreviewedAlerts',
  'SentinelDatabasePoolExhaustion',
  'SentinelLowCacheHitRate',
  'SentinelNoRecentDetection',
  'SentinelHighAlertRate',
  'SentinelCriticalAlertSpike',
  'SentinelServiceDown',
  'SentinelMultipleInstancesDown',
  'SentinelHighMemoryUsage',
  'SentinelHighCPUUsage',
  'SentinelNoIngestion',
];

/** The streaming engine's own failure modes, each with an alert. */
const STREAMING_ALERTS = [
  'SentinelConsumerLagGrowing',
  'SentinelSinkCircuitOpen',
  'SentinelWorkerRestarting',
  'SentinelWindowMemoryNearLimit',
  'SentinelHighDeadLetterRate',
];

/** One switch among many broken: its records rejected, its clock ahead. */
const SOURCE_ALERTS = ['SentinelSourceRecordsRejected', 'SentinelSourceClockAhead'];

/** Partition ownership's failure modes: nobody owns, a twin or a stalled owner was fenced, partitions churn. */
const OWNERSHIP_ALERTS = [
  'SentinelPartitionsUnowned',
  'SentinelPartitionsNotCaughtUp',
  'SentinelFencedCommits',
  'SentinelOwnershipMembersMismatch',
  'SentinelPartitionLeasesLost',
  'SentinelRebalanceStorm',
];

function promtool(): string {
  const binary = findTool('promtool');
  if (binary === undefined) {
    throw new Error(
      "promtool is missing: install Debian's prometheus package (bash scripts/bootstrap.sh test does)",
    );
  }
  return binary;
}

describe('prometheus rules', () => {
  it('pass promtool check rules', () => {
    const run = runTool(promtool(), ['check', 'rules', RULES_FILE]);
    expect(run.status, run.stdout + run.stderr).toBe(0);
  });

  it('pass their promtool unit tests (thresholds, labels and annotations render as intended)', () => {
    const run = runTool(promtool(), ['test', 'rules', repoPath('deploy/prometheus/rules.test.yaml')]);
    expect(run.status, run.stdout + run.stderr).toBe(0);
  });

  it('are loaded by the Compose Prometheus config, which promtool accepts', () => {
    const run = runTool(promtool(), ['check', 'config', repoPath('deploy/prometheus/prometheus.yml')]);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const config = loadYamlObject(repoPath('deploy/prometheus/prometheus.yml'));
    expect(arrayAt(config, 'rule_files')).toEqual(['rules.yaml']);
    const jobs = arrayAt(config, 'scrape_configs').map((job) => stringAt(job, 'job_name'));
    expect(jobs).toContain('sentinel-engine');
  });

  it('use only metrics the engine exports', () => {
    const rules = alertRules();
    expect(rules.length).toBeGreaterThanOrEqual(20);
    for (const rule of rules) {
      expect(metricNamesIn(rule.expr).length, rule.alert).toBeGreaterThan(0);
      expect(unknownMetricNames(rule.expr), rule.alert).toEqual([]);
    }
  });

  it('each carry a severity, a summary, a description and a runbook_url into docs/runbook.md', () => {
    const anchors = headingAnchors(readRepoFile('docs/runbook.md'));
    const names = new Set<string>();
    for (const rule of alertRules()) {
      expect(names.has(rule.alert), `${rule.alert} is defined twice`).toBe(false);
      names.add(rule.alert);
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(rule.annotations.description, rule.alert).toBeTruthy();
      const url = rule.annotations.runbook_url ?? '';
      expect(url, rule.alert).toMatch(/^docs\/runbook\.md#[a-z0-9-]+$/);
      expect(anchors, `${rule.alert} → ${url}`).toContain(url.split('#')[1]);
    }
  });

  it('keep the predecessor alert names whose meaning survives, retire the rest in the runbook, add the streaming and ownership ones', () => {
    const names = new Set(alertRules().map((rule) => rule.alert));
    const runbook = readRepoFile('docs/runbook.md');
    const retiredSection = runbook.slice(runbook.indexOf('## Retired alerts and metrics'));
    for (const seed of SEED_ALERTS) {
      const retired = new RegExp(`^\\| \`${seed}\` \\|`, 'm').test(retiredSection);
      expect(names.has(seed) !== retired, `${seed}: kept in rules.yaml xor retired in the runbook`).toBe(
        true,
      );
    }
    for (const alert of [...STREAMING_ALERTS, ...OWNERSHIP_ALERTS, ...SOURCE_ALERTS])
      expect(names, alert).toContain(alert);
    // The runbook's alert reference lists every rule.
    for (const alert of names) expect(runbook, alert).toMatch(new RegExp(`^\\| ${alert} \\|`, 'm'));
  });

  it('find metric names in PromQL the way the checks above rely on', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.95, sum by (le, endpoint) (rate(foo_seconds_bucket{endpoint!~".*(ws|x).*"}[5m]))) > 0.5',
      ),
    ).toEqual(['foo_seconds_bucket']);
    expect(
      metricNamesIn('time() - max(last_ts{job="a"}) > 900 and on (partition) bar_total offset 5m'),
    ).toEqual(['last_ts', 'bar_total']);
    expect(unknownMetricNames('sum(rate(sentinel_not_a_metric_total[5m])) / up')).toEqual([
      'sentinel_not_a_metric_total',
    ]);
  });
});
