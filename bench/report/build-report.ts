/**
 * Turns the newest results in bench/results/ into BENCHMARKS.md (tables with date, machine and commands, and
 * one Mermaid latency chart GitHub draws itself). Run by the pipeline and quality benchmarks when they finish, or by
 * hand: `npm run build && node dist/bench/report/build-report.js`.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, resultsDir } from '../pipeline/bench-results.js';
import { int, ms, size } from './format.js';
import { latencyChart } from './latency-chart.js';
import {
  drainSection,
  latencySection,
  memorySection,
  preloadedSection,
  restartSection,
  sqlSection,
  targetsSection,
} from './pipeline-sections.js';
import { classSection, precisionSection, timeToDetectSection } from './quality-sections.js';
import { loadResults, type PipelineResults, type QualityResults, type RunNotes } from './report-data.js';
import { machineNote } from '../pipeline/bench-results.js';
import { loadWindowsRuns, windowsPart } from './windows-section.js';

const LINKED_DOCS: [string, string][] = [
  ['bench/windows/RESULTS.md', 'window engine alone: events/s and bytes per windowed event (bench:windows)'],
  ['bench/sinks/RESULTS.md', 'COPY rate per schema variant, empty and preloaded (bench/sinks/copy-rate.ts)'],
  ['docs/adr/0001-pipeline-architecture.md', 'why the pipeline is shaped this way'],
  ['docs/adr/0003-publishing-and-partitions.md', 'the fast acking publisher and partitioning'],
  ['docs/adr/0004-postgres-schema-and-exactly-once.md', 'partitioned schema, BRIN, exactly-once offsets'],
];

function machineLine(r: PipelineResults | QualityResults): string {
  const m = r.machine;
  // The note is derived from the load here, not read back: older result files carry a fixed sentence.
  return `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.natsServer}, ${m.postgres}; load average ${m.loadAverageAtStart} at start — ${machineNote(m.loadAverageAtStart, m.cores)}.`;
}

function pipelinePart(runs: PipelineResults[], latencyRun: PipelineResults | undefined): string {
  if (runs.length === 0) return '## Pipeline\n\n_No full `bench:pipeline` run in bench/results/ yet._\n';
  // The newest 1M run carries the targets; older runs and other sizes are rows beside it.
  const main = runs.filter((r) => r.args.events === 1_000_000).at(-1) ?? runs.at(-1)!;
  const shown = [...new Map([...runs, ...(latencyRun ? [latencyRun] : [])].map((r) => [r.file, r])).values()];
  const sources = shown.map(
    (r) =>
      `- \`${r.command}\` — ${r.date.slice(0, 16).replace('T', ' ')} UTC, raw: [bench/results/${r.file}](bench/results/${r.file})`,
  );
  return [
    '## Pipeline (`npm run bench:pipeline`)',
    '',
    `Machine: ${machineLine(main)}`,
    '',
    'Runs:',
    ...sources,
    '',
    '### Targets',
    '',
    newestPerSize(runs)
      .map((run) => targetsSection(run, runs))
      .join('\n\n'),
    '',
    '### Backlog drain',
    '',
    'A backlog published to JetStream first, then drained: NATS → shard workers → windows → COPY into the partitioned,',
    'BRIN-indexed `call_records`, offsets committed with the rows, acks after commit. The bare ceilings run in the',
    'same process style on the same bytes in the same run (one durable pull consumer over `cdr.in.*`, JSON.parse,',
    `COPY in 5,000-row transactions into a fresh database migrated by the engine's \`migrate()\`); the median where a run repeated them (\`--runs\`). Backlog event times span 23 h, so every event stays in the 24 h window.`,
    '',
    drainSection(runs),
    '',
    ...missingSizes(runs),
    '### Appending to a table that already holds millions of rows',
    '',
    preloadedSection(runs),
    '',
    '### Latency under steady offered load',
    '',
    `Each rate held for ${latencyRun?.latency?.seconds ?? '–'} s on the engine left running by the drain (state and rows in place), publisher in`,
    'the same process. Publish → alert: alert receipt on `sentinel.alerts.>` minus the publish of the CDR named by',
    '(suspect_number, last_event_at); 5% of the CDRs come from SDHF callers. Publish → row committed: ten probes a',
    'second via `js.publish`, visible once `sink_offsets` for their partition reaches their sequence (polled every 10 ms).',
    'One table per run, newest last; the window state the engine held is the run’s backlog.',
    '',
    latencyChart(latencyRun, runs.find((r) => r.file === latencyRun?.file)?.label),
    ...runs
      .filter((r) => (r.latency?.runs.length ?? 0) > 0)
      .flatMap((r) => [`${r.label ?? size(r.args.events)} run:`, '', latencySection(r), '']),
    '',
    '### Memory',
    '',
    'Window state as the engine accounts it (typed arrays), and the whole process RSS (engine, workers, NATS and pg',
    'clients; the benchmark itself keeps no records) before the engine starts and after the drain.',
    '',
    memorySection(runs),
    '',
    '### The seed’s on-demand SQL vs the live windows',
    '',
    'The predecessor’s GROUP BY over `call_records` for the trailing window, against what the engine already knows: its',
    'alerts (read back from `fraud_alerts`) and one caller’s windows through the engine port.',
    '',
    sqlSection(runs),
    '',
    '### Restart with 24 h of state to replay',
    '',
    'The drained engine is stopped gracefully (which writes every partition’s checkpoint) and started again on the',
    'same stream and database; ready means every partition has its 24 h window back and has caught up. From',
    'checkpoints it restores the window state and replays only the stream after them; with `CHECKPOINT_INTERVAL=off`',
    'it replays the whole 24 h from JetStream (rows at or below the committed offsets are not written again).',
    '',
    restartSection(runs),
    '',
  ].join('\n');
}

/** The newest run of each backlog size: each carries the target checks for its size. */
function newestPerSize(runs: readonly PipelineResults[]): PipelineResults[] {
  const bySize = new Map<number, PipelineResults>();
  for (const run of [...runs].sort((a, b) => a.date.localeCompare(b.date))) bySize.set(run.args.events, run);
  return [...bySize.values()].sort((a, b) => a.args.events - b.args.events);
}

/** Sorted by size then time; a run's label carries its time when another run has the same size. */
function labelRuns(runs: readonly PipelineResults[]): PipelineResults[] {
  const sorted = [...runs].sort((a, b) => a.args.events - b.args.events || a.date.localeCompare(b.date));
  return sorted.map((r) => {
    const shared = sorted.filter((other) => other.args.events === r.args.events).length > 1;
    return {
      ...r,
      label: shared ? `${size(r.args.events)} · ${r.date.slice(11, 16)} UTC` : size(r.args.events),
    };
  });
}

/** The issue asks for 1M and 10M backlogs: say plainly which have no full run yet. */
function missingSizes(runs: readonly PipelineResults[]): string[] {
  const missing = [1_000_000, 10_000_000].filter((events) => !runs.some((r) => r.args.events === events));
  return missing.map(
    (events) =>
      `_Not measured yet: the ${size(events)} backlog — \`npm run bench:pipeline${events === 1_000_000 ? '' : ` -- --events ${events} --preload-rows 0 --runs 1 --rates none`}\`._\n`,
  );
}

function notesPart(notes: readonly RunNotes[]): string[] {
  if (notes.length === 0) return [];
  return [
    '## Runs that did not finish',
    '',
    ...notes.flatMap((n) => [
      `From [bench/results/${n.file}](bench/results/${n.file}) (${n.date.slice(0, 10)}):`,
      '',
      ...n.notes.map((line) => `- ${line}`),
      '',
    ]),
  ];
}

function alertedCallers(q: QualityResults): number {
  return q.engine.score.classes.reduce((sum, c) => sum + c.alertedCallers, 0);
}

function qualityPart(q: QualityResults | undefined): string {
  if (q === undefined)
    return '## Detection quality\n\n_No full `bench:quality` run in bench/results/ yet._\n';
  return [
    '## Detection quality (`npm run bench:quality`)',
    '',
    `Machine: ${machineLine(q)} Run: \`${q.command}\` — ${q.date.slice(0, 16).replace('T', ' ')} UTC, raw: [bench/results/${q.file}](bench/results/${q.file}).`,
    '',
    `**Scale.** ${q.scale.description} ${int(q.scale.records)} records (${Object.entries(q.scale.byKind)
      .map(([k, v]) => `${int(v)} ${k}`)
      .join(
        ', ',
      )}); ${int(q.scale.normalCallersSeen)} ordinary callers placed calls. The pipeline took ${q.scale.wallSeconds} s of wall time for the 24 h, about ${int(q.scale.speedUp)}× real time.`,
    '',
    `Both detectors use the seed's thresholds (more than ${q.thresholds.minUniqueDestinations} distinct callees, average under ${q.thresholds.maxAvgDurationSeconds} s). The stream engine runs windows of 10 min, 1 h and 24 h with the allowlist \`${q.allowlist.join(', ')}\` (the flash-call OTP prefix); the batch job is the predecessor's SQL run every simulated hour over the trailing 24 h, seeing only records that had arrived by then.`,
    '',
    '### Per class of caller',
    '',
    classSection(q),
    '',
    precisionSection(q),
    '',
    `The stream engine's ${int(q.engine.alertMessages)} messages cover ${int(alertedCallers(q))} callers: one per window ` +
      `(${Object.keys(q.engine.alertsByWindowSeconds)
        .map((w) => (Number(w) >= 3_600 ? `${Number(w) / 3_600} h` : `${Number(w) / 60} min`))
        .join(
          ', ',
        )}) when an episode opens, when its severity rises, and again after the cooldown while it stays open; ` +
      'the batch job had no dedup, so it re-inserted every suspect on every hourly run.',
    '',
    '### Time to detect (simulated time from pattern start to first detection)',
    '',
    'Stream: arrival of the record that triggered the caller’s first alert. Batch: the first hourly run that flagged it.',
    '',
    timeToDetectSection(q),
    '',
    `Engine: ${int(q.engine.recordsPerSecond)} records/s through the pipeline; event → alert p50 ${ms(q.engine.eventToAlertMs.p50)}, p99 ${ms(q.engine.eventToAlertMs.p99)}. Batch: ${q.batch.runs} runs, query p50 ${ms(q.batch.queryMs.p50)}, max ${ms(q.batch.queryMs.max)}.`,
    '',
  ].join('\n');
}

/**
 * Sections written by hand (figures from benchmarks without a generated table, e.g. issue 13's side-by-side
 * runs): every `bench/results/*.section.md`, in name order, placed right after the introduction.
 */
function handWrittenSections(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.section.md'))
    .sort()
    .map((name) => `${readFileSync(join(dir, name), 'utf8').trimEnd()}\n`);
}

export interface BuildReportOptions {
  /** @default bench/results */
  resultsDir?: string;
  /** @default BENCHMARKS.md at the repository root */
  outPath?: string;
  /** Use `--quick` runs too (for checking the report itself). @default false */
  includeQuick?: boolean;
}

export async function buildReport(options: BuildReportOptions = {}): Promise<string> {
  const dir = options.resultsDir ?? resultsDir();
  const { pipelineRuns, latencyRun, quality, notes } = loadResults(dir, options.includeQuick ?? false);
  const runs = labelRuns(pipelineRuns);
  const path = options.outPath ?? join(repoRoot(), 'BENCHMARKS.md');
  // Links are relative to the report, so check them from its folder.
  const links = LINKED_DOCS.filter(([doc]) => existsSync(join(dirname(path), doc))).map(
    ([path, what]) => `- [${path}](${path}) — ${what}`,
  );
  const text = [
    '# Benchmarks',
    '',
    'Generated by `bench/report/build-report.ts` from the newest results in `bench/results/` (raw JSON kept there).',
    'Every figure was measured on a 2-core development machine. Each run says its load average at the start: runs',
    'that started with a load at or above the core count shared the machine with other engineers’ test suites and',
    'benchmarks, so read them as lower bounds; compare figures from the same run, which share its conditions.',
    'Reproduce: `npm run bench` (windows, pipeline, quality); sizes and rates are flags, e.g.',
    '`npm run bench:pipeline -- --events 10000000` (see `--help`); the report alone: `node dist/bench/report/build-report.js`.',
    'Sections kept in `bench/results/*.section.md` are written by hand and included as they are.',
    '',
    ...handWrittenSections(dir),
    windowsPart(loadWindowsRuns(dir)),
    pipelinePart(runs, latencyRun),
    qualityPart(quality),
    ...notesPart(notes),
    '## Related benchmarks and decisions',
    '',
    ...(links.length > 0 ? links : ['- (none found)']),
    '',
  ].join('\n');
  writeFileSync(path, text);
  return path;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [resultsArg, outArg] = process.argv.slice(2);
  buildReport({
    ...(resultsArg === undefined ? {} : { resultsDir: resultsArg, includeQuick: true }),
    ...(outArg === undefined ? {} : { outPath: outArg }),
  })
    .then((path) => process.stdout.write(`wrote ${path}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    });
}
