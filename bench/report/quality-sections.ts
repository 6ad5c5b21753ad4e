/** The quality benchmark's tables in BENCHMARKS.md: the stream engine and the seed's hourly batch side by side. */
import type { ClassScore, DetectorScore } from '../quality/scoring.js';
import { int, minutes, pct, table } from './format.js';
import type { QualityResults } from './report-data.js';

const TRAP_NOTES: Record<string, string> = {
  normal: 'ordinary subscribers',
  sdhf: 'fraud: Wangiri one-ring callers and robodiallers',
  simbox: 'fraud: each SIM of a SIM box; ordinary call lengths, so not an SDHF pattern',
  call_centre: 'trap: long outbound calls to many numbers',
  otp: 'trap: zero-second flash-call OTP (allowlisted prefix)',
  probe: 'trap: operator test SIMs calling a few responders',
};

function classCell(score: ClassScore | undefined): string {
  if (score === undefined) return '–';
  const share = score.recall ?? score.falsePositiveRate;
  return `${int(score.alertedCallers)} (${pct(share)})`;
}

export function classSection(q: QualityResults): string {
  const find = (s: DetectorScore, cls: string): ClassScore | undefined =>
    s.classes.find((c) => c.class === cls);
  const classes = q.engine.score.classes.map((c) => c.class);
  const rows = classes.map((cls) => {
    const engine = find(q.engine.score, cls);
    return [
      `\`${cls}\` — ${TRAP_NOTES[cls] ?? ''}`,
      int(engine?.callers),
      classCell(engine),
      int(engine?.alerts),
      classCell(find(q.batch.score, cls)),
      int(find(q.batch.score, cls)?.alerts),
      classCell(find(q.batch.scoreWithAllowlist, cls)),
    ];
  });
  return table(
    [
      'class of caller',
      'callers',
      'stream: alerted callers (recall / FP rate)',
      'stream: alert messages',
      'hourly batch: flagged callers',
      'batch: alert rows inserted',
      'batch + same allowlist',
    ],
    rows,
  );
}

export function precisionSection(q: QualityResults): string {
  const devices = (s: DetectorScore): string => `${s.simBoxDevices.detected} of ${s.simBoxDevices.devices}`;
  return table(
    [
      'detector',
      'precision (alerted callers that are fraud)',
      'SIM boxes with ≥ 1 SIM alerted',
      'alert volume',
    ],
    [
      [
        'stream engine (allowlist on)',
        pct(q.engine.score.precision),
        devices(q.engine.score),
        `${int(q.engine.alertMessages)} messages`,
      ],
      [
        'seed hourly batch',
        pct(q.batch.score.precision),
        devices(q.batch.score),
        `${int(q.batch.alertsInserted)} rows (no dedup)`,
      ],
      [
        'seed hourly batch + allowlist filter',
        pct(q.batch.scoreWithAllowlist.precision),
        devices(q.batch.scoreWithAllowlist),
        '–',
      ],
    ],
  );
}

function histogramHeader(buckets: readonly string[]): string {
  return buckets
    .map((b) => {
      const m = Number(b);
      if (!Number.isFinite(m)) return b;
      return m >= 60 ? `≤ ${m / 60} h` : `≤ ${m} min`;
    })
    .join(' · ');
}

export function timeToDetectSection(q: QualityResults): string {
  const rows: string[][] = [];
  for (const cls of Object.keys(q.engine.score.timeToDetect)) {
    for (const [name, score] of [
      ['stream', q.engine.score],
      ['hourly batch', q.batch.score],
    ] as const) {
      const t = score.timeToDetect[cls];
      if (t === undefined) continue;
      rows.push([
        `\`${cls}\``,
        name,
        int(t.detected),
        minutes(t.minutes.p50),
        minutes(t.minutes.p95),
        minutes(t.minutes.max),
        t.histogram.map(int).join(' · '),
      ]);
    }
  }
  return table(
    [
      'class',
      'detector',
      'detected',
      'TTD p50',
      'TTD p95',
      'TTD max',
      `detections per bucket (${histogramHeader(q.ttdBucketsMinutes)})`,
    ],
    rows,
  );
}
