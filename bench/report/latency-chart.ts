/**
 * The one chart in BENCHMARKS.md: latency against offered load, as a Mermaid `xychart-beta` block that GitHub
 * draws from the Markdown itself (docs/adr/0007-benchmark-report-charts.md). What it shows that the tables do
 * not is the shape: flat while the machine keeps up, a knee where it saturates.
 *
 * Mermaid's xychart has a linear y axis and no legend, so the lines are named in a caption under the block,
 * ordered as they stand at the highest offered rate (top first).
 */
import { int, ms } from './format.js';
import type { PipelineResults } from './report-data.js';

/** The issue's latency target, drawn as a flat line so the knee reads against it. */
const TARGET_ALERT_P99_MS = 50;

interface Series {
  name: string;
  values: number[];
}

export function latencyChart(run: PipelineResults | undefined, runLabel: string | undefined): string {
  const steps = run?.latency?.runs ?? [];
  if (steps.length === 0) return '';
  const candidates: { name: string; values: (number | null)[] }[] = [
    { name: 'publish → alert p50', values: steps.map((s) => s.publishToAlertMs.p50) },
    { name: 'publish → alert p99', values: steps.map((s) => s.publishToAlertMs.p99) },
    { name: 'publish → row committed p99', values: steps.map((s) => s.publishToCommitMs.p99) },
  ];
  // An xychart line cannot have a gap: a series with a missing point is left out and the caption says so.
  const series: Series[] = candidates.flatMap((c) =>
    c.values.every((v): v is number => v !== null) ? [{ name: c.name, values: c.values }] : [],
  );
  const missing = candidates.filter((c) => !series.some((s) => s.name === c.name)).map((c) => c.name);
  const target: Series = {
    name: `the target, alert p99 ≤ ${TARGET_ALERT_P99_MS} ms`,
    values: steps.map(() => TARGET_ALERT_P99_MS),
  };

  const rounded = (value: number): string => String(Math.round(value * 10) / 10);
  const top = Math.max(TARGET_ALERT_P99_MS, ...series.flatMap((s) => s.values));
  const yMax = Math.ceil(top / 100) * 100;
  const label = runLabel === undefined ? 'newest' : runLabel;
  const last = steps.length - 1;
  const byTopValue = [...series].sort((a, b) => b.values[last]! - a.values[last]!);
  const caption =
    `Lines, top to bottom at ${int(steps[last]!.offeredPerSecond)} CDR/s: ` +
    byTopValue.map((s) => `${s.name} (${ms(s.values[last])})`).join(', ') +
    `; the flat line is ${target.name}. Linear scale; the ${label} run's table below has every figure.` +
    (missing.length > 0 ? ` Not drawn (a rate has no value): ${missing.join(', ')}.` : '');
  return [
    '```mermaid',
    'xychart-beta',
    `  title "Latency under steady offered load (${label} run)"`,
    `  x-axis "offered CDR/s" [${steps.map((s) => `"${int(s.offeredPerSecond)}"`).join(', ')}]`,
    `  y-axis "milliseconds" 0 --> ${yMax}`,
    ...[...series, target].map((s) => `  line [${s.values.map(rounded).join(', ')}]`),
    '```',
    '',
    caption,
    '',
  ].join('\n');
}
