/** The BENCHMARKS.md chart: drain throughput per path, and latency against offered load. */
import type { TopLevelSpec } from 'vega-lite';
import { size } from './format.js';
import type { PipelineResults } from './report-data.js';
import { CHART_FONT } from './render-chart.js';

interface ThroughputPoint {
  backlog: string;
  path: string;
  cdrPerSecond: number;
}

interface LatencyPoint {
  offered: number;
  series: string;
  ms: number;
}

export function throughputPoints(runs: readonly PipelineResults[]): ThroughputPoint[] {
  const points: ThroughputPoint[] = [];
  for (const r of runs) {
    const backlog = `${r.label ?? size(r.args.events)} backlog`;
    const add = (path: string, value: number | null | undefined): void => {
      if (value != null && value > 0) points.push({ backlog, path, cdrPerSecond: value });
    };
    add('bare: consume + parse', r.bare?.consume.medianPerSecond);
    add('bare: COPY alone', r.bare?.copy.medianPerSecond);
    add('bare: consume + parse + COPY', r.bare?.consumeCopy.medianPerSecond);
    add('engine (empty table)', r.engine?.drain.perSecondFromFirstCommit);
    if (r.preloaded !== undefined)
      add(
        `engine (${size(r.preloaded.preload.rows)} rows stored)`,
        r.preloaded.drain.perSecondFromFirstCommit,
      );
  }
  return points;
}

export function latencyPoints(run: PipelineResults | undefined): LatencyPoint[] {
  const points: LatencyPoint[] = [];
  for (const r of run?.latency?.runs ?? []) {
    const add = (series: string, value: number | null): void => {
      if (value != null) points.push({ offered: r.offeredPerSecond, series, ms: Math.max(0.1, value) });
    };
    add('publish → alert p50', r.publishToAlertMs.p50);
    add('publish → alert p99', r.publishToAlertMs.p99);
    add('publish → row committed p50', r.publishToCommitMs.p50);
    add('publish → row committed p99', r.publishToCommitMs.p99);
  }
  return points;
}

export function benchmarkChart(
  runs: readonly PipelineResults[],
  latencyRun: PipelineResults | undefined,
): TopLevelSpec {
  const paths = [...new Set(throughputPoints(runs).map((p) => p.path))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: {
      font: CHART_FONT,
      view: { stroke: null },
      axis: { labelFontSize: 12, titleFontSize: 12 },
      title: { fontSize: 15 },
    },
    title: {
      text: 'Sentinel pipeline benchmark',
      subtitle: `${(latencyRun ?? runs[0])?.date.slice(0, 10) ?? ''} · shared 2-core machine`,
    },
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    hconcat: [
      {
        title: 'Backlog drain, CDR/s',
        data: { values: throughputPoints(runs) },
        width: 380,
        height: 300,
        layer: [
          {
            mark: 'bar',
            encoding: {
              y: { field: 'path', type: 'nominal', sort: paths, title: null, axis: { labelLimit: 320 } },
              yOffset: { field: 'backlog', type: 'nominal' },
              x: { field: 'cdrPerSecond', type: 'quantitative', title: 'CDR/s' },
              color: {
                field: 'backlog',
                type: 'nominal',
                title: 'run',
                legend: { orient: 'bottom', labelLimit: 300 },
              },
            },
          },
          {
            mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 },
            encoding: {
              y: { field: 'path', type: 'nominal', sort: paths },
              yOffset: { field: 'backlog', type: 'nominal' },
              x: { field: 'cdrPerSecond', type: 'quantitative' },
              text: { field: 'cdrPerSecond', type: 'quantitative', format: ',.0f' },
            },
          },
        ],
      },
      {
        title: 'Latency under steady offered load',
        data: { values: latencyPoints(latencyRun) },
        width: 380,
        height: 300,
        layer: [
          {
            mark: { type: 'line', point: true },
            encoding: {
              x: {
                field: 'offered',
                type: 'quantitative',
                title: 'offered CDR/s',
                axis: { format: ',.0f', tickMinStep: 1_000 },
              },
              y: {
                field: 'ms',
                type: 'quantitative',
                scale: { type: 'log' },
                title: 'milliseconds (log scale)',
              },
              color: {
                field: 'series',
                type: 'nominal',
                title: null,
                legend: { orient: 'bottom', columns: 2, labelLimit: 300 },
              },
              strokeDash: {
                condition: { test: "indexof(datum.series, 'p99') >= 0", value: [6, 3] },
                value: [1, 0],
              },
            },
          },
          {
            // The target: publish → alert p99 within 50 ms.
            data: { values: [{ target: 50 }] },
            mark: { type: 'rule', color: '#888', strokeDash: [2, 2] },
            encoding: { y: { field: 'target', type: 'quantitative' } },
          },
          {
            data: { values: [{ target: 50, label: 'target: alert p99 ≤ 50 ms' }] },
            mark: {
              type: 'text',
              align: 'left',
              baseline: 'bottom',
              dx: 4,
              dy: -2,
              color: '#666',
              fontSize: 11,
            },
            encoding: {
              y: { field: 'target', type: 'quantitative' },
              x: { value: 0 },
              text: { field: 'label' },
            },
          },
        ],
      },
    ],
  };
}
