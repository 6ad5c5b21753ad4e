/** Reading the results files back: the newest full run of each kind and size. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CeilingResult } from '../pipeline/bare-ceiling.js';
import type { PublishResult } from '../pipeline/backlog.js';
import type { MachineInfo } from '../pipeline/bench-results.js';
import type { DrainResult, RestartResult } from '../pipeline/engine-run.js';
import type { PreloadResult } from '../pipeline/preload.js';
import type { SqlVsWindowsResult } from '../pipeline/sql-vs-windows.js';
import type { SteadyRunResult } from '../pipeline/steady-latency.js';
import type { LatencySummary } from '../pipeline/bench-stats.js';
import type { CpuUsage } from '../pipeline/process-usage.js';
import type { DetectorScore } from '../quality/scoring.js';

interface Ceiling {
  runs: CeilingResult[];
  medianPerSecond: number | null;
}

export interface PipelineResults {
  kind: 'pipeline';
  file: string;
  /** Row label in the report: the backlog size, plus the run's time when several runs share a size. */
  label?: string;
  date: string;
  command: string;
  args: {
    events: number;
    quick: boolean;
    runs: number;
    copyRows: number;
    copyConcurrency: number;
    workers: number;
    partitions: number;
    latencySeconds: number;
  };
  machine: MachineInfo;
  publish?: PublishResult;
  backlogMessages?: number;
  bare?: { consume: Ceiling; copy: Ceiling; consumeCopy: Ceiling; copyConcurrency: number };
  engine?: { drain: DrainResult };
  sqlVsWindows?: SqlVsWindowsResult[];
  /** Restart after a graceful stop (from checkpoints; results before checkpoints existed replayed 24 h). */
  restart?: Partial<RestartResult> & Omit<RestartResult, 'stopMs' | 'partitionsRestored'>;
  /** The same restart with CHECKPOINT_INTERVAL=off: every partition replays 24 h. */
  restartCold?: RestartResult;
  preloaded?: { preload: PreloadResult; bareConsumeCopy: CeilingResult; drain: DrainResult };
  latency?: { headlineRate: number; seconds: number; saturatedAt?: number | null; runs: SteadyRunResult[] };
  ratios: {
    engineToBare: number | null;
    engineSteadyToBare: number | null;
    engineWithStartupToBare?: number | null;
    engineToBarePerCpuSecond?: number | null;
    preloadedEngineToBare: number | null;
    preloadedEngineToPreloadedBare: number | null;
    preloadedEngineToPreloadedBarePerCpuSecond?: number | null;
  };
  errors: { phase: string; message: string }[];
}

export interface QualityResults {
  kind: 'quality';
  file: string;
  date: string;
  command: string;
  machine: MachineInfo;
  scale: {
    subscribers: number;
    records: number;
    byKind: Record<string, number>;
    labelledCallers: number;
    normalCallersSeen: number;
    wallSeconds: number;
    speedUp: number;
    description: string;
  };
  thresholds: { minUniqueDestinations: number; maxAvgDurationSeconds: number };
  allowlist: string[];
  engine: {
    pipelineSeconds: number;
    recordsPerSecond: number;
    cpu: CpuUsage;
    alertMessages: number;
    alertsByWindowSeconds: Record<string, number>;
    alertsBySeverity: Record<string, number>;
    eventToAlertMs: LatencySummary;
    score: DetectorScore;
  };
  batch: {
    runs: number;
    totalQuerySeconds: number;
    queryMs: LatencySummary;
    alertsInserted: number;
    score: DetectorScore;
    scoreWithAllowlist: DetectorScore;
  };
  ttdBucketsMinutes: string[];
}

/** Hand-written observations of runs that did not finish (so wrote no results), kept next to the JSON. */
export interface RunNotes {
  kind: 'notes';
  file: string;
  date: string;
  notes: string[];
}

export interface LoadedResults {
  /** Every full (non-quick) pipeline run, oldest first. */
  pipelineRuns: PipelineResults[];
  /** Newest full pipeline run that has latency results (a later run may have skipped them). */
  latencyRun: PipelineResults | undefined;
  quality: QualityResults | undefined;
  notes: RunNotes[];
}

function readAll(dir: string): (PipelineResults | QualityResults | RunNotes)[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const results: (PipelineResults | QualityResults | RunNotes)[] = [];
  for (const name of names) {
    try {
      const parsed = JSON.parse(readFileSync(join(dir, name), 'utf8')) as
        PipelineResults | QualityResults | RunNotes;
      if (parsed.kind === 'pipeline' || parsed.kind === 'quality' || parsed.kind === 'notes') {
        results.push({ ...parsed, file: name });
      }
    } catch {
      // not one of ours, or half-written: skip it
    }
  }
  return results.sort((a, b) => a.date.localeCompare(b.date));
}

export function loadResults(dir: string, includeQuick: boolean): LoadedResults {
  const pipelineRuns: PipelineResults[] = [];
  let quality: QualityResults | undefined;
  let latencyRun: PipelineResults | undefined;
  const notes: RunNotes[] = [];
  for (const result of readAll(dir)) {
    if (result.kind === 'notes') {
      notes.push(result);
    } else if (result.kind === 'pipeline') {
      if (!includeQuick && result.args.quick) continue;
      pipelineRuns.push(result);
      // The chart's run: the newest with the most offered rates.
      const rates = result.latency?.runs.length ?? 0;
      if (rates > 0 && rates >= (latencyRun?.latency?.runs.length ?? 0)) latencyRun = result;
    } else if (includeQuick || !result.command.includes('--quick')) {
      quality = result;
    }
  }
  return { pipelineRuns, latencyRun, quality, notes };
}
