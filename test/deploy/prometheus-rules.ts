/**
 * Reading deploy/prometheus/rules.yaml and pulling metric names out of PromQL, for the checks that every
 * name a rule or panel uses is one the engine exports.
 */
import { METRIC_CATALOG, DEFAULT_PROCESS_METRICS } from '../../src/metrics/index.js';
import { arrayAt, loadYamlObject, objectAt, repoPath, stringAt } from './deploy-files.js';

export const RULES_FILE = repoPath('deploy/prometheus/rules.yaml');

export interface AlertRule {
  group: string;
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const rules: AlertRule[] = [];
  for (const group of arrayAt(loadYamlObject(RULES_FILE), 'groups')) {
    for (const rule of arrayAt(group, 'rules')) {
      const alert = stringAt(rule, 'alert');
      if (alert === undefined) continue;
      rules.push({
        group: stringAt(group, 'name') ?? '?',
        alert,
        expr: stringAt(rule, 'expr') ?? '',
        labels: stringsOf(objectAt(rule, 'labels')),
        annotations: stringsOf(objectAt(rule, 'annotations')),
      });
    }
  }
  return rules;
}

function stringsOf(value: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, child] of Object.entries(value)) if (typeof child === 'string') out[key] = child;
  return out;
}

/** Names Prometheus itself creates for every target; not the engine's to export. */
const PROMETHEUS_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/** Every metric name the engine exports as a series name (histograms as their three series). */
export function exportedSeriesNames(): Set<string> {
  const names = new Set<string>(DEFAULT_PROCESS_METRICS);
  for (const spec of METRIC_CATALOG) {
    if (spec.kind === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(spec.name + suffix);
    else names.add(spec.name);
  }
  return names;
}

// PromQL words that look like identifiers but are not metric names.
const PROMQL_WORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'group',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'rate',
  'irate',
  'increase',
  'delta',
  'idelta',
  'deriv',
  'predict_linear',
  'histogram_quantile',
  'absent',
  'absent_over_time',
  'time',
  'vector',
  'scalar',
  'abs',
  'clamp_min',
  'clamp_max',
  'label_replace',
  'avg_over_time',
  'max_over_time',
  'min_over_time',
  'sum_over_time',
  'changes',
  'resets',
  'le',
  'inf',
  'nan',
]);

/**
 * Metric names used in a PromQL expression: identifiers outside label matchers, strings, durations and
 * grouping clauses, minus functions and keywords. Grafana's `$variables` are dropped first.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/#[^\n]*/g, ' ') // comments
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // string literals (label values, regexes)
    .replace(/'(?:[^'\\]|\\.)*'/g, "''")
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range selectors, subqueries
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\$\w+/g, ' '); // Grafana variables
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const calledAsFunction = stripped
      .slice(match.index + word.length)
      .trimStart()
      .startsWith('(');
    if (!calledAsFunction && !PROMQL_WORDS.has(word.toLowerCase())) names.add(word);
  }
  return [...names];
}

/** Names in `expr` the engine does not export (and Prometheus does not create). */
export function unknownMetricNames(expr: string, exported: Set<string> = exportedSeriesNames()): string[] {
  return metricNamesIn(expr).filter((name) => !exported.has(name) && !PROMETHEUS_SERIES.has(name));
}
