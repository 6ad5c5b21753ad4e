/**
 * Where the window engine's bytes go after the benchmark's window pass: `node
 * dist/bench/windows/memory-breakdown.js [--events 10000000]`. Runs the same synthetic day as bench-windows.ts
 * (same seed and mix, one `process` call per event, untimed) and prints one JSON line: the engine's census
 * (store-census.ts) with each part also as bytes per windowed event.
 */
import { parseArgs } from 'node:util';
import {
  DEFAULT_RULE_SETTINGS,
  DEFAULT_WINDOWS_MS,
  DetectionEngine,
  type AlertEvent,
} from '../../src/windows/index.js';
import { benchmarkDay } from './synthetic-cdrs.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    seed: { type: 'string', default: '42' },
  },
});
const EVENTS = Number(args.events);
const { cdrs: data, callers: CALLERS } = benchmarkDay(EVENTS, Number(args.seed));
const engine = new DetectionEngine(
  {
    windowsMs: DEFAULT_WINDOWS_MS,
    allowedLatenessMs: 300_000,
    expectedCallers: CALLERS,
    expectedEvents: EVENTS,
  },
  DEFAULT_RULE_SETTINGS,
);
const alerts: AlertEvent[] = [];
for (let i = 0; i < EVENTS; i++) {
  alerts.length = 0;
  engine.process(data.callers[i]!, data.callees[i]!, data.startsMs[i]!, data.durations[i]!, alerts);
}
const census = engine.storeCensus();
const held = census.inlineEvents + census.blockEvents;
const perEvent: Record<string, number> = {};
for (const [key, value] of Object.entries(census)) {
  if (key.endsWith('Bytes')) perEvent[key] = Math.round((value / held) * 100) / 100;
}
console.log(
  JSON.stringify({
    bench: 'windows-memory',
    events: EVENTS,
    eventsHeld: held,
    callerLoad: Math.round((census.callersHeld / census.callerSlots) * 1000) / 1000,
    ...census,
    bytesPerWindowedEvent: perEvent,
  }),
);
