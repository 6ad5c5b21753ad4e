import { DetectionEngine, DEFAULT_RULE_SETTINGS, createEventBatch, type AlertEvent } from '../../src/windows/index.js';
import { generateCdrs } from './synthetic-cdrs.js';
const N = Number(process.argv[2] ?? 2_000_000), C = Math.round(N / 10);
let t0 = performance.now();
const d = generateCdrs({ events: N, callers: C, simBoxes: Math.round(300 * N / 1e7), startMs: Date.UTC(2026, 0, 1), spanMs: 86_400_000 });
console.log('gen ms', Math.round(performance.now() - t0));
for (const mode of (process.argv[3] ?? 'single,batch,single,batch').split(',')) {
  const engine = new DetectionEngine({ windowsMs: [600_000, 3_600_000, 86_400_000], allowedLatenessMs: 300_000, expectedCallers: C, expectedEvents: N }, DEFAULT_RULE_SETTINGS);
  const alerts: AlertEvent[] = [];
  let late = 0;
  t0 = performance.now(); const c0 = process.cpuUsage();
  if (mode === 'single') {
    for (let i = 0; i < N; i++) if (engine.process(d.callers[i]!, d.callees[i]!, d.startsMs[i]!, d.durations[i]!, alerts) === 'late') late++;
  } else {
    const B = 1024; const batch = createEventBatch(B); const out = new Uint8Array(B);
    for (let i = 0; i < N; i += B) {
      const n = Math.min(B, N - i);
      batch.callers.set(d.callers.subarray(i, i + n)); batch.callees.set(d.callees.subarray(i, i + n)); batch.startsMs.set(d.startsMs.subarray(i, i + n)); batch.durations.set(d.durations.subarray(i, i + n));
      engine.processBatch(batch, n, out, alerts);
    }
  }
  const ms = performance.now() - t0; const cu = process.cpuUsage(c0); const cpuMs = (cu.user + cu.system) / 1000;
  const f = engine.footprint();
  console.log(mode, Math.round(N / ms * 1000), 'ev/s wall', Math.round(N / cpuMs * 1000), 'ev/s cpu', 'bytes/ev', (f.bytes / f.eventsHeld).toFixed(1), 'live/ev', ((f.slabLiveBytes + f.callerTableBytes) / f.eventsHeld).toFixed(1), 'alerts', alerts.length, 'late', late);
}
