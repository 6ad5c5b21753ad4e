/**
 * The benchmark's window pass alone, for comparing two builds of the engine back to back:
 * `node --expose-gc dist/bench/windows/window-pass.js [--engine <dist dir>]`. Generates the same day as
 * bench-windows.ts (10M events, seed 42), warms up on 200k events with a throwaway engine, then times one
 * `process` call per event into a fresh one and prints one JSON line (rates per wall and CPU second, bytes per
 * windowed event, alert events emitted). `--engine` loads `src/windows/index.js` from another build's dist
 * directory (an older commit built into a copy), so both builds run the same workload and harness; it takes
 * ~40 s instead of the full benchmark's ~2 min.
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { AlertEvent } from '../../src/windows/index.js';
import * as thisBuild from '../../src/windows/index.js';
import { benchmarkDay } from './synthetic-cdrs.js';

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string' },
    events: { type: 'string', default: '10000000' },
  },
});
const EVENTS = Number(args.events);
const WARM_UP_EVENTS = 200_000;

const windows = (
  args.engine === undefined
    ? thisBuild
    : await import(pathToFileURL(resolve(args.engine, 'src/windows/index.js')).href)
) as typeof thisBuild;

const { cdrs: data, callers: CALLERS } = benchmarkDay(EVENTS);

function newEngine(): thisBuild.DetectionEngine {
  return new windows.DetectionEngine(
    {
      windowsMs: windows.DEFAULT_WINDOWS_MS,
      allowedLatenessMs: 300_000,
      expectedCallers: CALLERS,
      expectedEvents: EVENTS,
    },
    windows.DEFAULT_RULE_SETTINGS,
  );
}

function run(engine: thisBuild.DetectionEngine, events: number): number {
  const alerts: AlertEvent[] = [];
  let emitted = 0;
  for (let i = 0; i < events; i++) {
    alerts.length = 0;
    engine.process(data.callers[i]!, data.callees[i]!, data.startsMs[i]!, data.durations[i]!, alerts);
    emitted += alerts.length;
  }
  return emitted;
}

run(newEngine(), Math.min(EVENTS, WARM_UP_EVENTS));
(globalThis as { gc?: () => void }).gc?.();
const loadBefore = loadavg()[0]!;
const engine = newEngine();
const cpu = process.cpuUsage();
const started = performance.now();
const alerts = run(engine, EVENTS);
const wallMs = performance.now() - started;
const used = process.cpuUsage(cpu);
const footprint = engine.footprint();
console.log(
  JSON.stringify({
    bench: 'window-pass',
    engine: args.engine ?? 'this build',
    loadAverage: [Math.round(loadBefore * 10) / 10, Math.round(loadavg()[0]! * 10) / 10],
    windowEventsPerSecond: Math.round((EVENTS / wallMs) * 1000),
    windowEventsPerCpuSecond: Math.round((EVENTS / ((used.user + used.system) / 1000)) * 1000),
    bytesPerWindowedEvent: Math.round((footprint.bytes / footprint.eventsHeld) * 100) / 100,
    alertsEmitted: alerts,
  }),
);
