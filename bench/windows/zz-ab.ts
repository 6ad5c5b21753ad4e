import { DetectionEngine, DEFAULT_RULE_SETTINGS, createEventBatch, setTouch, TUNING, type AlertEvent } from '../../src/windows/index.js';
import { generateCdrs } from './synthetic-cdrs.js';
const N = Number(process.argv[2] ?? 2_000_000), C = Math.round(N / 10);
const d = generateCdrs({ events: N, callers: C, simBoxes: Math.round(300 * N / 1e7), startMs: Date.UTC(2026, 0, 1), spanMs: 86_400_000 });
const variants = (process.argv[3] ?? '0:256,1:256,2:256').split(',');
const results = new Map<string, number[]>();
for (let round = 0; round < Number(process.argv[4] ?? 3); round++) {
  for (const v of variants) {
    const [depth, span, build, drop, promoteCap, growth] = v.split(':').map(Number);
    setTouch(depth!, span!);
    TUNING.indexBuildLen = build ?? 32; TUNING.indexDropLen = drop ?? 16; TUNING.promoteCap = promoteCap ?? 5; TUNING.growth = growth ?? 1.5;
    const engine = new DetectionEngine({ windowsMs: [600_000, 3_600_000, 86_400_000], allowedLatenessMs: 300_000, expectedCallers: C, expectedEvents: N }, DEFAULT_RULE_SETTINGS);
    const alerts: AlertEvent[] = [];
    const B = 1024; const batch = createEventBatch(B); const out = new Uint8Array(B);
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i += B) {
      const n = Math.min(B, N - i);
      batch.callers.set(d.callers.subarray(i, i + n)); batch.callees.set(d.callees.subarray(i, i + n)); batch.startsMs.set(d.startsMs.subarray(i, i + n)); batch.durations.set(d.durations.subarray(i, i + n));
      engine.processBatch(batch, n, out, alerts);
    }
    const cu = process.cpuUsage(c0);
    const rate = N / ((cu.user + cu.system) / 1e6);
    results.set(v, [...(results.get(v) ?? []), Math.round(rate / 1000)]);
    if (round === 0) { const f = engine.footprint(); console.log(v, 'bytes/ev', (f.bytes / f.eventsHeld).toFixed(1), 'live/ev', ((f.slabLiveBytes + f.callerTableBytes) / f.eventsHeld).toFixed(1)); }
  }
}
for (const [v, r] of results) console.log(v, 'k ev/s cpu', r.join(' '), 'best', Math.max(...r));
