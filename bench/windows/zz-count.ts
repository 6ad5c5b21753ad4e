import { DetectionEngine, DEFAULT_RULE_SETTINGS, type AlertEvent } from '../../src/windows/index.js';
import { generateCdrs } from './synthetic-cdrs.js';
const N = Number(process.argv[2] ?? 2_000_000), C = Math.round(N / 10);
const d = generateCdrs({ events: N, callers: C, simBoxes: Math.round(300 * N / 1e7), startMs: Date.UTC(2026, 0, 1), spanMs: 86_400_000 });
const e = new DetectionEngine({ windowsMs: [600_000, 3_600_000, 86_400_000], allowedLatenessMs: 300_000, expectedCallers: C, expectedEvents: N }, DEFAULT_RULE_SETTINGS); const a: AlertEvent[] = [];
for (let i = 0; i < N; i++) e.process(d.callers[i]!, d.callees[i]!, d.startsMs[i]!, d.durations[i]!, a);
const PC = (globalThis as any).__PC as Map<string, number>;
for (const [k, v] of [...PC.entries()].sort()) console.log(k.padEnd(16), v, (v / N).toFixed(3), 'per event');
