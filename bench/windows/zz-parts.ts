import { CallerTable } from '../../src/windows/caller-table.js';
import { DetectionEngine, DEFAULT_RULE_SETTINGS, setTouch, type AlertEvent } from '../../src/windows/index.js';
import { generateCdrs } from './synthetic-cdrs.js';
const N = Number(process.argv[2] ?? 2_000_000), C = Math.round(N / 10);
const d = generateCdrs({ events: N, callers: C, simBoxes: Math.round(300 * N / 1e7), startMs: Date.UTC(2026, 0, 1), spanMs: 86_400_000 });
function cpu<T>(label: string, f: () => T): T { const c0 = process.cpuUsage(); const r = f(); const cu = process.cpuUsage(c0); console.log(label.padEnd(30), Math.round(N / ((cu.user + cu.system) / 1e6) / 1000), 'k ev/s cpu'); return r; }
for (let round = 0; round < 2; round++) {
  cpu('caller table findOrInsert', () => { const t = new CallerTable(C); let s = 0; for (let i = 0; i < N; i++) s += t.findOrInsert(d.callers[i]!); return s; });
  cpu('caller table + touch T', () => { const t = new CallerTable(C); let s = 0; for (let i = 0; i < N; i++) { const slot = t.findOrInsert(d.callers[i]!); t.f64[slot * 8 + 1] = d.startsMs[i]!; s += slot; } return s; });
  cpu('engine single', () => { setTouch(1, 256); const e = new DetectionEngine({ windowsMs: [600_000, 3_600_000, 86_400_000], allowedLatenessMs: 300_000, expectedCallers: C, expectedEvents: N }, DEFAULT_RULE_SETTINGS); const a: AlertEvent[] = []; for (let i = 0; i < N; i++) e.process(d.callers[i]!, d.callees[i]!, d.startsMs[i]!, d.durations[i]!, a); return a.length; });
  cpu('engine 1 window (24h)', () => { const e = new DetectionEngine({ windowsMs: [86_400_000], allowedLatenessMs: 300_000, expectedCallers: C, expectedEvents: N }, { ...DEFAULT_RULE_SETTINGS, sdhf: [DEFAULT_RULE_SETTINGS.sdhf[2]!] }); const a: AlertEvent[] = []; for (let i = 0; i < N; i++) e.process(d.callers[i]!, d.callees[i]!, d.startsMs[i]!, d.durations[i]!, a); return a.length; });
}
