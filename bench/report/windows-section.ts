/**
 * The window engine's part of BENCHMARKS.md: every `npm run bench:windows` run kept in
 * bench/results/windows-<date>.jsonl (one JSON line per run), and the targets checked against them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { int, table } from './format.js';

/** The fields of bench-windows.ts's JSON line that the report shows. */
export interface WindowsRun {
  bench: 'windows';
  date: string;
  node: string;
  cpu?: string;
  cores: number;
  loadAverage: [number, number];
  events: number;
  callersHeld: number;
  decodeEventsPerSecond: number;
  /** Window + rule update alone: one `process` call per event (runs before 2026-12-06: `processBatch`). */
  windowEventsPerSecond: number;
  /**
   * Only in runs before 2026-12-06, which timed the since-removed batch path as `windowEventsPerSecond` (and
   * `bothEventsPerSecond`, `speedupVsNaive`) and one `process` call per event here.
   */
  windowEventsPerSecondSingleCalls?: number;
  bothEventsPerSecond: number;
  windowEventsPerCpuSecond: number;
  bytesPerWindowedEvent: number;
  naiveEventsPerSecond: number;
  naiveBytesPerWindowedEvent: number;
  speedupVsNaive: number;
  peakRssAfterWindowsMb: number;
  glibcTunables: string | null;
  hugePagesAfterWindowsMb: number | null;
}

export function loadWindowsRuns(dir: string): WindowsRun[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => /^windows-.*\.jsonl$/.test(name));
  } catch {
    return [];
  }
  const runs: WindowsRun[] = [];
  for (const name of names) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const parsed = JSON.parse(line) as WindowsRun;
        if (parsed.bench === 'windows') runs.push(parsed);
      } catch {
        // a half-written line: skip it
      }
    }
  }
  return runs.sort((a, b) => a.date.localeCompare(b.date));
}

const verdict = (met: boolean): string => (met ? 'met' : 'missed');

/** Window + rule update with one `process` call per event: what production runs. */
const perEventRate = (run: WindowsRun): number =>
  run.windowEventsPerSecondSingleCalls ?? run.windowEventsPerSecond;

/** The removed batch path's rate, in the runs that timed it. */
const batchRate = (run: WindowsRun): number | undefined =>
  run.windowEventsPerSecondSingleCalls === undefined ? undefined : run.windowEventsPerSecond;

const pages = (run: WindowsRun): string =>
  run.hugePagesAfterWindowsMb !== null && run.hugePagesAfterWindowsMb > 0
    ? `huge pages (${int(run.hugePagesAfterWindowsMb)} MB)`
    : '4 KiB pages';

export function windowsPart(runs: readonly WindowsRun[]): string {
  if (runs.length === 0) return '## Window engine (`npm run bench:windows`)\n\n_No run recorded yet._\n';
  const newest = runs[runs.length - 1]!;
  const best = Math.max(...runs.map(perEventRate));
  const batchRates = runs.map(batchRate).filter((rate) => rate !== undefined);
  const batchNote =
    batchRates.length > 0 ? ` (${int(Math.max(...batchRates))} through the removed batch path)` : '';
  const speedups = runs.map((r) => r.speedupVsNaive);
  const bytes = Math.max(...runs.map((r) => r.bytesPerWindowedEvent));
  const naive = runs.map((r) => r.naiveEventsPerSecond);
  const rows = runs.map((r) => [
    `${r.date.slice(0, 16).replace('T', ' ')} UTC`,
    `${r.loadAverage[0]} → ${r.loadAverage[1]}`,
    pages(r),
    int(r.decodeEventsPerSecond),
    int(batchRate(r)),
    int(perEventRate(r)),
    int(r.bothEventsPerSecond),
    String(r.bytesPerWindowedEvent),
    `${int(r.naiveEventsPerSecond)} (${r.naiveBytesPerWindowedEvent} B)`,
    `${r.speedupVsNaive}×`,
  ]);
  return [
    '## Window engine (`npm run bench:windows`)',
    '',
    `${int(newest.events)} synthetic CDRs over one day of event time, ${int(newest.callersHeld)} callers holding events ` +
      '(most a few calls a day, 300 SIM boxes), windows 10 min / 1 h / 24 h, one thread. Window + rule update ' +
      'alone with one `process` call per event (the path the shard worker runs), JSON decode alone and both; the ' +
      'naive design (per-caller `Map` of callee → last seen, arrays of events) on the same events in the same ' +
      'run. Runs before 2026-12-06 also timed a batch path, `processBatch` (a read-ahead pre-pass over 256 ' +
      'events), and took “decode + update” and “speed-up over naive” from it; it was removed because production ' +
      'never called it and it was within noise of single calls (ADR 0002, decision 8). Runs with ' +
      '`--huge-pages` start Node with `GLIBC_TUNABLES=glibc.malloc.hugetlb=1`. ' +
      `Machine: ${newest.cores} cores (${newest.cpu ?? 'unknown CPU'}), Node ${newest.node}; the load average ` +
      'before → after each run is in the table (2 cores: below 2 means the run had the machine to itself). ' +
      'Raw lines: `bench/results/windows-<date>.jsonl`; analysis: [bench/windows/RESULTS.md](bench/windows/RESULTS.md).',
    '',
    table(
      [
        'run',
        'load',
        'memory pages',
        'decode ev/s',
        'window + rule ev/s, batch path (removed)',
        'window + rule ev/s, one `process` call per event',
        'decode + update',
        'bytes / windowed event',
        'naive ev/s (bytes / event)',
        'speed-up over naive',
      ],
      rows,
    ),
    '',
    '### Targets (issue 2)',
    '',
    `- Window + rule update ≥ 2,000,000 events/s on one thread: best ${int(best)} with one \`process\` call per ` +
      `event${batchNote} — ` +
      `${verdict(best >= 2_000_000)} (what limits it: bench/windows/RESULTS.md).`,
    `- ≤ 40 bytes per windowed event: at most ${bytes} — ${verdict(bytes <= 40)}.`,
    `- ≥ 10× the naive baseline: ${Math.min(...speedups)}–${Math.max(...speedups)}× — ` +
      `${verdict(Math.max(...speedups) >= 10)} (naive: ${int(Math.min(...naive))}–${int(Math.max(...naive))} ev/s here, ` +
      'against the issue’s calibration of ~166k).',
    '',
  ].join('\n');
}
