import { DetectionEngine, DEFAULT_RULE_SETTINGS, createEventBatch, setTouch, TUNING, type AlertEvent } from '../../src/windows/index.js';
import { generateCdrs } from './synthetic-cdrs.js';
const N = Number(process.argv[2] ?? 200_000), C = Math.round(N / 10);
const d = generateCdrs({ events: N, callers: C, simBoxes: Math.max(3, Math.round(300 * N / 1e7)), startMs: Date.UTC(2026, 0, 1), spanMs: 86_400_000 });
const [depth, span, build, drop, promoteCap, growth] = (process.argv[3] ?? '1:256:32:16:5:1.5').split(':').map(Number);
setTouch(depth!, span!); TUNING.indexBuildLen = build!; TUNING.indexDropLen = drop!; TUNING.promoteCap = promoteCap!; TUNING.growth = growth!;
const engine = new DetectionEngine({ windowsMs: [600_000, 3_600_000, 86_400_000], allowedLatenessMs: 300_000, expectedCallers: C, expectedEvents: N }, DEFAULT_RULE_SETTINGS);
const alerts: AlertEvent[] = []; const B = 1024; const batch = createEventBatch(B); const out = new Uint8Array(B);
const t0 = Date.now();
for (let i = 0; i < N; i += B) {
  const n = Math.min(B, N - i);
  batch.callers.set(d.callers.subarray(i, i + n)); batch.callees.set(d.callees.subarray(i, i + n)); batch.startsMs.set(d.startsMs.subarray(i, i + n)); batch.durations.set(d.durations.subarray(i, i + n));
  engine.processBatch(batch, n, out, alerts);
}
console.log('done', Date.now() - t0, 'ms', alerts.length);
