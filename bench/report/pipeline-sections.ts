/** The pipeline benchmark's tables in BENCHMARKS.md. */
import type { SteadyRunResult } from '../pipeline/steady-latency.js';
import { int, mib, ms, pct, size, table } from './format.js';
import type { PipelineResults } from './report-data.js';

const cores = (c: { nodeCores: number; natsCores: number; postgresCores: number } | undefined): string =>
  c === undefined
    ? '–'
    : `${c.nodeCores.toFixed(2)} / ${c.natsCores.toFixed(2)} / ${c.postgresCores.toFixed(2)}`;

/** Median CDRs per CPU-second of the bare consume + COPY runs. */
function medianEfficiency(r: PipelineResults): number | null {
  const values = (r.bare?.consumeCopy.runs ?? []).flatMap((run) =>
    run.rowsPerCpuSecond == null ? [] : [run.rowsPerCpuSecond],
  );
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null;
}

export function drainSection(runs: readonly PipelineResults[]): string {
  const rows = runs.map((r) => {
    const drain = r.engine?.drain;
    return [
      r.label ?? size(r.args.events),
      int(drain?.perSecondFromFirstCommit),
      drain === undefined ? '–' : `${int(drain.perSecond)} (first commit after ${ms(drain.firstCommitMs)})`,
      int(r.bare?.consume.medianPerSecond),
      r.bare === undefined ? '–' : `${int(r.bare.copy.medianPerSecond)} (${size(r.args.copyRows)} rows)`,
      int(r.bare?.consumeCopy.medianPerSecond),
      pct(r.ratios.engineToBare),
      `${int(drain?.rowsPerCpuSecond)} / ${int(medianEfficiency(r))}`,
      pct(r.ratios.engineToBarePerCpuSecond),
      cores(drain?.cpu),
      pct(drain?.cpu.machineBusyShare, 0),
    ];
  });
  return table(
    [
      'backlog',
      'engine CDR/s (first → last commit)',
      'engine CDR/s including start-up',
      'bare: consume + parse',
      'bare: COPY alone',
      'bare: consume + parse + COPY',
      'engine / bare',
      'CDRs per CPU-second: engine / bare',
      'engine / bare per CPU-second',
      'engine CPU cores: Node / NATS / PG',
      'machine busy',
    ],
    rows,
  );
}

export function preloadedSection(runs: readonly PipelineResults[]): string {
  const rows = runs
    .filter((r) => r.preloaded !== undefined)
    .map((r) => {
      const p = r.preloaded!;
      return [
        `${size(p.preload.rows)} (${r.label ?? size(r.args.events)} run)`,
        mib(p.preload.tableBytes),
        int(p.bareConsumeCopy.perSecond),
        int(p.drain.perSecondFromFirstCommit),
        int(p.drain.perSecond),
        pct(r.ratios.preloadedEngineToPreloadedBare),
        `${int(p.drain.rowsPerCpuSecond)} / ${int(p.bareConsumeCopy.rowsPerCpuSecond)} (${pct(r.ratios.preloadedEngineToPreloadedBarePerCpuSecond)})`,
        `${int(r.engine?.drain.perSecondFromFirstCommit)} (${pct(r.ratios.preloadedEngineToBare === null || r.ratios.engineToBare === null ? null : r.ratios.preloadedEngineToBare / r.ratios.engineToBare)} of it)`,
      ];
    });
  if (rows.length === 0) return '_No preloaded run in the results yet._';
  return table(
    [
      'rows already in call_records',
      'table size',
      'bare consume + COPY CDR/s',
      'engine CDR/s (first → last commit)',
      'engine CDR/s including start-up',
      'engine / bare (same table)',
      'CDRs per CPU-second: engine / bare',
      'engine on the empty table, same run',
    ],
    rows,
  );
}

export function latencySection(run: PipelineResults | undefined): string {
  const runs: readonly SteadyRunResult[] = run?.latency?.runs ?? [];
  if (runs.length === 0) return '_No latency run in the results yet._';
  const triple = (s: { p50: number | null; p95: number | null; p99: number | null }): string =>
    `${ms(s.p50)} / ${ms(s.p95)} / ${ms(s.p99)}`;
  return table(
    [
      'offered CDR/s',
      'achieved',
      'publish → alert p50 / p95 / p99',
      'alerts matched',
      'engine event_to_alert_ms p50 / p99',
      'publish → row committed p50 / p95 / p99',
      'CPU Node / NATS / PG',
      'saturated',
    ],
    runs.map((r) => [
      int(r.offeredPerSecond),
      int(r.achievedPerSecond),
      triple(r.publishToAlertMs),
      `${int(r.alertsMatched)} of ${int(r.alertsReceived)}`,
      `${ms(r.engineEventToAlertMs.p50)} / ${ms(r.engineEventToAlertMs.p99)}`,
      triple(r.publishToCommitMs),
      cores(r.cpu),
      r.saturated ? 'yes' : 'no',
    ]),
  );
}

export function memorySection(runs: readonly PipelineResults[]): string {
  const rows = runs
    .filter((r) => r.engine !== undefined)
    .map((r) => {
      const d = r.engine!.drain;
      return [
        `${int(d.window.eventsHeld)} (${r.label ?? size(r.args.events)} run)`,
        int(d.window.callers),
        mib(d.window.bytes),
        int(d.windowBytesPerEvent),
        mib(d.rssBeforeBytes),
        mib(d.rssAfterBytes),
        int(d.rssDeltaBytesPerEvent),
      ];
    });
  return table(
    [
      'windowed events',
      'callers',
      'window state',
      'bytes / windowed event',
      'RSS before start',
      'RSS after drain',
      'RSS growth / windowed event',
    ],
    rows,
  );
}

export function sqlSection(runs: readonly PipelineResults[]): string {
  const rows = runs.flatMap((r) =>
    (r.sqlVsWindows ?? []).map((s) => [
      `${int(s.storedRows)} (${r.label ?? size(r.args.events)} run)`,
      `${int(s.rowsInWindow)} (${s.windowHours} h)`,
      ms(s.sqlMedianMs),
      int(s.sqlSuspects),
      `${int(s.agreement)} of ${int(s.sqlSuspects)}`,
      ms(s.alertListMedianMs),
      s.callerViewSamples > 0
        ? `${ms(s.callerViewMedianMs)} (${s.callerViewSamples} callers)`
        : `– (${s.callerViewErrors} errors)`,
    ]),
  );
  if (rows.length === 0) return '_No comparison in the results yet._';
  const largest = Math.max(...runs.flatMap((r) => (r.sqlVsWindows ?? []).map((x) => x.storedRows)));
  const missing =
    largest < 5_000_000 ? '\n\n_Not measured yet: 5M stored rows (needs a backlog of ≥ 5M events)._' : '';
  return (
    table(
      [
        'stored rows',
        'rows in the window',
        'seed SQL, median of 3',
        'SQL suspects',
        'already alerted live',
        'live: read alerted callers',
        'live: one caller’s windows',
      ],
      rows,
    ) + missing
  );
}

export function restartSection(runs: readonly PipelineResults[]): string {
  const rows: string[][] = [];
  for (const r of runs) {
    const label = r.label ?? size(r.args.events);
    const partitions = r.args.partitions;
    const modes: [string, PipelineResults['restart']][] = [
      [
        r.restart?.partitionsRestored === undefined
          ? 'replay 24 h (before checkpoints)'
          : `checkpoints (${r.restart.partitionsRestored} of ${partitions} partitions)`,
        r.restart,
      ],
      ['replay 24 h (CHECKPOINT_INTERVAL=off)', r.restartCold],
    ];
    for (const [mode, restart] of modes) {
      if (restart === undefined) continue;
      rows.push([
        label,
        mode,
        restart.stopMs === undefined ? '–' : ms(restart.stopMs),
        int(restart.eventsReplayed),
        ms(restart.readyMs),
        restart.eventsReplayed === 0 ? '–' : int(restart.replayPerSecond),
        int(restart.window.eventsHeld),
      ]);
    }
  }
  if (rows.length === 0) return '_No restart in the results yet._';
  return table(
    [
      'backlog (24 h of events)',
      'state from',
      'graceful stop (final checkpoints)',
      'events replayed',
      'start → ready',
      'replay CDR/s',
      'windowed events after',
    ],
    rows,
  );
}

/** Target checks against the run that carries them. */
export function targetsSection(main: PipelineResults | undefined, runs: readonly PipelineResults[]): string {
  if (main === undefined) return '_No full pipeline run yet._';
  const latencyRun = main;
  const lines: string[] = [
    `${main.label ?? size(main.args.events)} run (load average ${main.machine.loadAverageAtStart} at its start):`,
    '',
  ];
  const verdict = (ratio: number | null | undefined): string =>
    ratio == null
      ? 'not measured'
      : `${pct(ratio)} — ${ratio >= 0.9 ? 'met' : `missed by ${((0.9 - ratio) * 100).toFixed(1)} points`}`;
  lines.push(
    `- Engine ≥ 90% of the bare consume + COPY ceiling, CDR/s side by side (engine timed from its first commit, ` +
      `as the bare consumer is from its first fetch): ${verdict(main.ratios.engineToBare)}; counting the engine's ` +
      `start-up: ${pct(main.ratios.engineWithStartupToBare)}.`,
  );
  lines.push(
    `- The same per CPU-second of Node + NATS + Postgres together: ${verdict(main.ratios.engineToBarePerCpuSecond)}.`,
  );
  const busy = main.engine?.drain.cpu.machineBusyShare ?? 0;
  const shared = main.machine.loadAverageAtStart >= main.machine.cores;
  if (!shared && busy >= 0.9) {
    lines.push(
      `  Nothing else ran: Node, NATS and Postgres together kept both cores ${pct(busy, 0)} busy during the drain, as ` +
        'they did the bare consumer, so CDR/s compares two runs that each had the whole machine.',
    );
  }
  if (shared && busy >= 0.9) {
    lines.push(
      `  The load average at the start was ${main.machine.loadAverageAtStart} on ${main.machine.cores} cores (other work ` +
        'running, or a previous benchmark’s processes winding down) and the machine was ' +
        `${pct(busy, 0)} busy during the run, so no process was sure of the CPU it asked for: the bare consumer is ` +
        'one thread and the engine two worker threads, and the scheduler shares a saturated machine per thread. ' +
        'The CDR/s ratio can therefore flatter the engine; the per-CPU-second ratio is the comparison that holds.',
    );
    const bare = runs.flatMap((r) => [
      ...(r.bare?.consumeCopy.runs ?? []),
      ...(r.preloaded === undefined ? [] : [r.preloaded.bareConsumeCopy]),
    ]);
    const efficiency = bare.flatMap((b) => (b.rowsPerCpuSecond == null ? [] : [b.rowsPerCpuSecond]));
    if (bare.length > 1) {
      lines.push(
        `  Even so the bare consumer itself ranged ${int(Math.min(...bare.map((b) => b.perSecond)))}–` +
          `${int(Math.max(...bare.map((b) => b.perSecond)))} CDR/s` +
          (efficiency.length > 1
            ? ` and ${int(Math.min(...efficiency))}–${int(Math.max(...efficiency))} CDRs per CPU-second`
            : '') +
          ' across all runs in the results (busy and quiet), so compare ratios within a run, not absolute rates ' +
          'across runs.',
      );
    }
  }
  const headline = latencyRun?.latency?.runs.find(
    (r) => r.offeredPerSecond === latencyRun.latency?.headlineRate,
  );
  if (headline !== undefined) {
    const p99 = headline.publishToAlertMs.p99;
    const met = p99 !== null && p99 <= 50 && !headline.saturated;
    lines.push(
      `- Publish → alert p99 ≤ 50 ms at ${int(headline.offeredPerSecond)} CDR/s offered: ${ms(p99)} — ${met ? 'met' : 'missed'}` +
        (headline.saturated
          ? ` (saturated: only ${int(headline.achievedPerSecond)} CDR/s went out, the engine fell behind; see the latency table for the rates it sustained).`
          : '.'),
    );
  }
  const pre = main.preloaded;
  if (pre !== undefined) {
    lines.push(
      `- No cliff with ${size(pre.preload.rows)} rows already in call_records: the engine drained at ` +
        `${int(pre.drain.perSecondFromFirstCommit)} CDR/s, ${pct(main.ratios.preloadedEngineToPreloadedBare)} of the bare ` +
        `consume + COPY into the same table (${int(pre.bareConsumeCopy.perSecond)}; per CPU-second ` +
        `${pct(main.ratios.preloadedEngineToPreloadedBarePerCpuSecond)}), against ` +
        `${int(main.engine?.drain.perSecondFromFirstCommit)} CDR/s on the empty table minutes earlier (the machine's load ` +
        'moved in between). For scale: a naive uuid-PK + caller-btree schema COPYs ~70k rows/s alone at 5M+ rows (docs/design.md §6).',
    );
  }
  for (const error of main.errors) lines.push(`- Phase \`${error.phase}\` failed: ${error.message}`);
  return lines.join('\n');
}
