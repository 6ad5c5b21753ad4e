/**
 * deploy/grafana: the dashboard is valid JSON with the panels operators open it for, every query uses
 * metrics the engine exports, and its Compose provisioning points at the files that exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  arrayAt,
  dig,
  isObject,
  loadYamlObject,
  repoPath,
  stringAt,
  type Json,
  type JsonObject,
} from './deploy-files.js';
import { metricNamesIn, unknownMetricNames } from './prometheus-rules.js';

const dashboard = JSON.parse(readFileSync(repoPath('deploy/grafana/sentinel.json'), 'utf8')) as JsonObject;
const panels = arrayAt(dashboard, 'panels').filter(isObject);
const dataPanels = panels.filter((panel) => stringAt(panel, 'type') !== 'row');

function expressions(panel: JsonObject): string[] {
  return arrayAt(panel, 'targets').map((target) => stringAt(target, 'expr') ?? '');
}

/** Panel titles, in the order they appear, for the "what is on it" check. */
const titles = dataPanels.map((panel) => stringAt(panel, 'title') ?? '');

describe('grafana dashboard', () => {
  it('shows what operators open it for', () => {
    const wanted = [
      'Ingest rate',
      'Alerts by severity',
      'Event-to-alert latency',
      'Consumer lag per partition',
      'COPY throughput',
      'Sink lag and buffer',
      'Window memory',
      'API latency',
      'Errors',
      // Partition ownership: who holds what, what nobody holds, what moves and how fast it catches up.
      'Leases held per instance',
      'Unowned partitions',
      'Unowned partitions and members',
      'Rebalances by reason',
      'Fenced commits',
      'Takeover time',
      // Per source: which switch sends bad records, and whose clock is off.
      'Records per switch',
      'Rejected share per switch',
      'Clock skew per switch',
    ];
    for (const title of wanted) expect(titles, title).toContain(title);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it('queries only metrics the engine exports, through the datasource variable', () => {
    for (const panel of dataPanels) {
      const title = stringAt(panel, 'title');
      expect(expressions(panel).length, title).toBeGreaterThan(0);
      for (const expr of expressions(panel)) {
        expect(metricNamesIn(expr).length, `${title}: ${expr}`).toBeGreaterThan(0);
        expect(unknownMetricNames(expr), `${title}: ${expr}`).toEqual([]);
      }
      expect(dig(panel, 'datasource', 'uid'), title).toBe('${datasource}');
    }
    const variables = arrayAt(dig(dashboard, 'templating') as Json, 'list').map((variable) =>
      stringAt(variable, 'name'),
    );
    expect(variables).toEqual(['datasource', 'instance']);
  });

  it('lays panels out on the 24-column grid without overlaps', () => {
    const cells = new Set<string>();
    for (const panel of panels) {
      const grid = dig(panel, 'gridPos') as JsonObject;
      const [x, y, w, h] = ['x', 'y', 'w', 'h'].map((key) => Number(grid[key]));
      expect(x! + w!, stringAt(panel, 'title')).toBeLessThanOrEqual(24);
      for (let row = y!; row < y! + h!; row++) {
        for (let column = x!; column < x! + w!; column++) {
          const cell = `${column},${row}`;
          expect(cells.has(cell), `${stringAt(panel, 'title')} overlaps at ${cell}`).toBe(false);
          cells.add(cell);
        }
      }
    }
    const ids = panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is provisioned in Compose with its data source and folder', () => {
    const datasources = loadYamlObject(repoPath('deploy/grafana/provisioning/datasources/prometheus.yaml'));
    expect(arrayAt(datasources, 'datasources').map((source) => stringAt(source, 'url'))).toEqual([
      'http://prometheus:9090',
    ]);
    const providers = loadYamlObject(repoPath('deploy/grafana/provisioning/dashboards/sentinel.yaml'));
    const path = dig(arrayAt(providers, 'providers')[0], 'options', 'path');
    const compose = readFileSync(repoPath('deploy/docker-compose.yaml'), 'utf8');
    expect(compose).toContain(`./grafana/sentinel.json:${String(path)}/sentinel.json:ro`);
    expect(existsSync(repoPath('deploy/grafana/provisioning/datasources'))).toBe(true);
  });
});
