/**
 * Window engine benchmark: `npm run bench:windows [-- --events 1000000]`. Prints ONE JSON line.
 *
 * A day of synthetic CDRs (see synthetic-cdrs.ts) is generated once up front, as typed arrays and as JSON
 * wire bytes; then each pass is timed on its own: decode alone, window + rule update alone (one call per event), decode and update together, and the naive Map-based design as a baseline; last, decode
 * alone over the same records with every value spelled as a string (`decodeStrings…`, see json-corpus.ts).
 * `--decode-only` runs the two decode passes and nothing else (never saved). Rates are
 * events per wall-clock second; `…PerCpuSecond` divides by this process's CPU time instead, which is the
 * fairer figure when other work shares the machine (`loadAverage` says how busy it was).
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { decodeCdr } from '../../src/codec/index.js';
import {
  DEFAULT_RULE_SETTINGS,
  DEFAULT_WINDOWS_MS,
  DetectionEngine,
  type AlertEvent,
} from '../../src/windows/index.js';
import { NaiveWindows } from './naive-windows.js';
import { generateCdrs, type SyntheticCdrs } from './synthetic-cdrs.js';
import { encodeCorpus, type JsonCorpus } from './json-corpus.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    callers: { type: 'string' },
    'sim-boxes': { type: 'string' },
    'naive-events': { type: 'string' },
    seed: { type: 'string', default: '42' },
    'huge-pages': { type: 'boolean', default: false },
    save: { type: 'boolean', default: true },
    'decode-only': { type: 'boolean', default: false },
  },
  allowNegative: true,
});

// glibc ≥ 2.35 marks large malloc'd regions (ArrayBuffer backing stores) for transparent huge pages with this
// tunable, cutting TLB misses on the random-access tables; it has to be in the environment at start-up.
const HUGE_PAGES_TUNABLE = 'glibc.malloc.hugetlb=1';
if (args['huge-pages'] && process.env.GLIBC_TUNABLES !== HUGE_PAGES_TUNABLE) {
  const rerun = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, GLIBC_TUNABLES: HUGE_PAGES_TUNABLE },
  });
  process.exit(rerun.status ?? 1);
}
const EVENTS = Number(args.events);
/** bench/results in the repository (this file runs from dist/bench/windows). */
const resultsDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bench', 'results');
const CALLERS = Number(args.callers ?? Math.round(EVENTS / 10));
/** 300 SIM boxes in a day of 10M CDRs; scaled with --events so the mix stays the same. */
const SIM_BOXES = Number(args['sim-boxes'] ?? Math.round((300 * EVENTS) / 10_000_000));
const NAIVE_EVENTS = Math.min(EVENTS, Number(args['naive-events'] ?? EVENTS));
const START_MS = Date.UTC(2026, 0, 1);
const WARM_UP_EVENTS = 200_000;
const DAY_MS = 86_400_000;

interface Timing {
  wallMs: number;
  cpuMs: number;
}

function timed(run: () => void): Timing {
  const cpu = process.cpuUsage();
  const started = performance.now();
  run();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

const perSecond = (events: number, ms: number): number => Math.round((events / ms) * 1000);
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

/** Anonymous memory this process has in transparent huge pages (Linux), in MiB. */
function hugePagesMb(): number | undefined {
  try {
    const match = /AnonHugePages:\s+(\d+) kB/.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'));
    return match === null ? undefined : Math.round(Number(match[1]) / 1024);
  } catch {
    return undefined;
  }
}

function newEngine(): DetectionEngine {
  return new DetectionEngine(
    {
      windowsMs: DEFAULT_WINDOWS_MS,
      allowedLatenessMs: 300_000,
      expectedCallers: CALLERS,
      expectedEvents: EVENTS,
    },
    DEFAULT_RULE_SETTINGS,
  );
}

/** Window + rule update alone; returns the timing and how many alert events the engine emitted. */
function windowsUpdate(
  data: SyntheticCdrs,
  engine: DetectionEngine,
  events = EVENTS,
): { timing: Timing; alerts: number } {
  const alerts: AlertEvent[] = [];
  let emitted = 0;
  const timing = timed(() => {
    for (let i = 0; i < events; i++) {
      alerts.length = 0;
      engine.process(data.callers[i]!, data.callees[i]!, data.startsMs[i]!, data.durations[i]!, alerts);
      emitted += alerts.length;
    }
  });
  return { timing, alerts: emitted };
}

interface DecodePass {
  timing: Timing;
  checksum: number;
  accepted: number;
}

function decodeAlone(corpus: JsonCorpus, events = EVENTS): DecodePass {
  let checksum = 0;
  let accepted = 0;
  const options = { nowMs: START_MS + 2 * DAY_MS };
  const timing = timed(() => {
    for (let i = 0; i < events; i++) {
      const result = decodeCdr(corpus.bytes.subarray(corpus.offsets[i], corpus.offsets[i + 1]), options);
      if (result.ok) {
        checksum += result.cdr.durationSeconds;
        accepted++;
      }
    }
  });
  return { timing, checksum, accepted };
}

/**
 * Decode alone over the string-typed spelling of the same records (every value a string, as FreeSWITCH and
 * most mediation exports write them). The typed corpus is dropped first: the two would need ~5 GB together.
 */
function decodeStrings(data: SyntheticCdrs): DecodePass {
  gc();
  const corpus = encodeCorpus(data, START_MS, 'strings');
  decodeAlone(corpus, Math.min(EVENTS, WARM_UP_EVENTS));
  return decodeAlone(corpus);
}

/** `--decode-only`: the two decode passes and nothing else, for quick repeated runs while tuning the decoder. */
function decodeOnly(data: SyntheticCdrs, loadBefore: number): void {
  const typed = ((): DecodePass => {
    const corpus = encodeCorpus(data, START_MS);
    decodeAlone(corpus, Math.min(EVENTS, WARM_UP_EVENTS));
    return decodeAlone(corpus);
  })();
  const strings = decodeStrings(data);
  console.log(
    JSON.stringify({
      bench: 'windows-decode',
      date: new Date().toISOString(),
      node: process.version,
      loadAverage: [Math.round(loadBefore * 10) / 10, Math.round(loadavg()[0]! * 10) / 10],
      events: EVENTS,
      ...decodeFigures(typed, strings),
    }),
  );
}

function decodeFigures(typed: DecodePass, strings: DecodePass): Record<string, number> {
  return {
    decodeEventsPerSecond: perSecond(EVENTS, typed.timing.wallMs),
    decodeEventsPerCpuSecond: perSecond(EVENTS, typed.timing.cpuMs),
    decodeAccepted: typed.accepted,
    decodeStringsEventsPerSecond: perSecond(EVENTS, strings.timing.wallMs),
    decodeStringsEventsPerCpuSecond: perSecond(EVENTS, strings.timing.cpuMs),
    decodeStringsAccepted: strings.accepted,
  };
}

function decodeAndUpdate(corpus: JsonCorpus, engine: DetectionEngine, events = EVENTS): Timing {
  const options = { nowMs: START_MS + 2 * DAY_MS };
  const alerts: AlertEvent[] = [];
  return timed(() => {
    for (let i = 0; i < events; i++) {
      const result = decodeCdr(corpus.bytes.subarray(corpus.offsets[i], corpus.offsets[i + 1]), options);
      if (!result.ok) continue;
      const cdr = result.cdr;
      alerts.length = 0;
      engine.process(cdr.caller, cdr.callee, cdr.startMs, cdr.durationSeconds, alerts);
    }
  });
}

function naive(
  data: SyntheticCdrs,
  events = NAIVE_EVENTS,
): { timing: Timing; bytesPerEvent: number; eventsHeld: number } {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const windows = new NaiveWindows(DEFAULT_WINDOWS_MS);
  const timing = timed(() => {
    for (let i = 0; i < events; i++) {
      windows.process(data.callers[i]!, data.callees[i]!, data.startsMs[i]!, data.durations[i]!);
    }
  });
  gc();
  const bytesPerEvent = (process.memoryUsage().heapUsed - heapBefore) / windows.eventsHeld;
  return { timing, bytesPerEvent, eventsHeld: windows.eventsHeld };
}

function main(): void {
  const loadBefore = loadavg()[0]!;
  let data!: SyntheticCdrs;
  const generated = timed(() => {
    data = generateCdrs({
      events: EVENTS,
      callers: CALLERS,
      simBoxes: SIM_BOXES,
      startMs: START_MS,
      spanMs: DAY_MS,
      seed: Number(args.seed),
    });
  });
  if (args['decode-only']) return decodeOnly(data, loadBefore);

  // Each path runs once on a prefix with throwaway state first, so the timed passes measure compiled code.
  const warmUp = Math.min(EVENTS, WARM_UP_EVENTS);
  windowsUpdate(data, newEngine(), warmUp);
  naive(data, Math.min(NAIVE_EVENTS, warmUp));

  // Window + rule update alone; the engine is kept for its footprint.
  gc();
  const engine = newEngine();
  const windows = windowsUpdate(data, engine);
  const footprint = engine.footprint();
  const peakAfterWindows = peakRssMb();
  const hugePagesAfterWindows = hugePagesMb();
  gc();

  const naiveResult = naive(data);
  gc();

  // The typed corpus lives only inside this block, so the string-typed one can take its memory.
  const { decoded, both, jsonBytes } = ((): { decoded: DecodePass; both: Timing; jsonBytes: number } => {
    const corpus = encodeCorpus(data, START_MS);
    decodeAndUpdate(corpus, newEngine(), warmUp);
    const decodedTyped = decodeAlone(corpus);
    gc();
    return {
      decoded: decodedTyped,
      both: decodeAndUpdate(corpus, newEngine()),
      jsonBytes: corpus.bytes.byteLength,
    };
  })();
  const decodedStrings = decodeStrings(data);

  const windowRate = perSecond(EVENTS, windows.timing.wallMs);
  const windowCpuRate = perSecond(EVENTS, windows.timing.cpuMs);
  const naiveRate = perSecond(NAIVE_EVENTS, naiveResult.timing.wallMs);
  const line = JSON.stringify({
    bench: 'windows',
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    loadAverage: [Math.round(loadBefore * 10) / 10, Math.round(loadavg()[0]! * 10) / 10],
    events: EVENTS,
    callersConfigured: CALLERS,
    callersHeld: footprint.callers,
    simBoxes: SIM_BOXES,
    windowsMs: DEFAULT_WINDOWS_MS,
    generateMs: Math.round(generated.wallMs),
    jsonBytes,
    decodeEventsPerSecond: perSecond(EVENTS, decoded.timing.wallMs),
    windowEventsPerSecond: windowRate,
    bothEventsPerSecond: perSecond(EVENTS, both.wallMs),
    decodeEventsPerCpuSecond: perSecond(EVENTS, decoded.timing.cpuMs),
    windowEventsPerCpuSecond: windowCpuRate,
    bothEventsPerCpuSecond: perSecond(EVENTS, both.cpuMs),
    eventsHeld: footprint.eventsHeld,
    engineBytes: footprint.bytes,
    bytesPerWindowedEvent: Math.round((footprint.bytes / footprint.eventsHeld) * 10) / 10,
    liveBytesPerWindowedEvent:
      Math.round(((footprint.callerTableBytes + footprint.slabLiveBytes) / footprint.eventsHeld) * 10) / 10,
    peakRssAfterWindowsMb: peakAfterWindows,
    peakRssMb: peakRssMb(),
    glibcTunables: process.env.GLIBC_TUNABLES ?? null,
    hugePagesAfterWindowsMb: hugePagesAfterWindows ?? null,
    alertsEmitted: windows.alerts,
    callersWithOpenEpisodes: footprint.callersWithOpenEpisodes,
    naiveEvents: NAIVE_EVENTS,
    naiveEventsPerSecond: naiveRate,
    naiveEventsPerCpuSecond: perSecond(NAIVE_EVENTS, naiveResult.timing.cpuMs),
    naiveBytesPerWindowedEvent: Math.round(naiveResult.bytesPerEvent * 10) / 10,
    speedupVsNaive: Math.round((windowRate / naiveRate) * 10) / 10,
    speedupVsNaiveCpu:
      Math.round((windowCpuRate / perSecond(NAIVE_EVENTS, naiveResult.timing.cpuMs)) * 10) / 10,
    decodeChecksum: decoded.checksum,
    decodeAccepted: decoded.accepted,
    decodeStringsEventsPerSecond: perSecond(EVENTS, decodedStrings.timing.wallMs),
    decodeStringsEventsPerCpuSecond: perSecond(EVENTS, decodedStrings.timing.cpuMs),
    decodeStringsAccepted: decodedStrings.accepted,
    decodeStringsChecksum: decodedStrings.checksum,
  });
  console.log(line);
  // Only full-size runs are kept for the report (BENCHMARKS.md); `--no-save` keeps none.
  if (args.save && EVENTS === 10_000_000) {
    const file = join(resultsDirectory, `windows-${new Date().toISOString().slice(0, 10)}.jsonl`);
    mkdirSync(resultsDirectory, { recursive: true });
    appendFileSync(file, line + '\n');
    console.error(`appended to ${file}; \`npm run bench:report\` rebuilds BENCHMARKS.md`);
  }
}

main();
