/** The engine's edges: a rule added from outside, bad options and settings, unusable snapshots. */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RULE_SETTINGS,
  DEFAULT_WINDOWS_MS,
  DetectionEngine,
  RuleSettingsError,
  sdhfRule,
  SnapshotError,
  WindowOptionsError,
  type AlertEvent,
  type PreparedRule,
  type Rule,
  type WindowStats,
} from '../../src/windows/index.js';

const T0 = 1_700_000_000_000;

/** What "one new file" looks like: more than `limit` calls in the shortest window, whatever the callees. */
const burstRule: Rule = {
  id: 'burst',
  alertType: 'CALL_BURST',
  detectionRule: 'BURST_001',
  prepare(_settings, windowsMs): PreparedRule {
    const limit = 5;
    return {
      minCallsByWindow: windowsMs.map((_, k) => (k === 0 ? limit + 1 : Infinity)),
      evaluate: (k: number, stats: WindowStats) => (k === 0 && stats.callCount > limit ? 1 : -1),
      summarize: (caller: number, stats: WindowStats) => `Caller ${caller} made ${stats.callCount} calls`,
    };
  },
};

describe('rules from outside the engine', () => {
  it('runs an extra rule with its own episodes and keys next to SDHF', () => {
    const engine = new DetectionEngine(
      { windowsMs: [60_000, 3_600_000], allowedLatenessMs: 0 },
      {
        sdhf: [{ windowMs: 3_600_000, minDistinctCallees: 5, maxAvgDurationSeconds: 3 }],
        allowlist: [],
        cooldownMs: 600_000,
      },
      { rules: [sdhfRule, burstRule] },
    );
    const alerts: AlertEvent[] = [];
    for (let i = 0; i < 7; i++) engine.process(42, 100 + i, T0 + i * 1000, 1, alerts);
    expect(alerts.map((a) => [a.rule, a.alertType, a.severity, a.callCount, a.alertKey])).toEqual([
      ['sdhf', 'SDHF_SIMBOX', 'MEDIUM', 6, `sdhf:3600:42:${T0 + 5000}:0`],
      ['burst', 'CALL_BURST', 'MEDIUM', 6, `burst:60:42:${T0 + 5000}:0`],
    ]);
    expect(engine.callerStats(42)!.openEpisodes.map((e) => e.rule)).toEqual(['sdhf', 'burst']);
  });

  it('refuses to restore a snapshot under a different rule list', () => {
    const engine = new DetectionEngine(
      { windowsMs: [60_000], allowedLatenessMs: 0 },
      { ...DEFAULT_RULE_SETTINGS, sdhf: [] },
      {
        rules: [sdhfRule, burstRule],
      },
    );
    const bytes = engine.snapshot();
    expect(() => DetectionEngine.restore(bytes, { ...DEFAULT_RULE_SETTINGS, sdhf: [] })).toThrow(
      SnapshotError,
    );
    expect(
      DetectionEngine.restore(
        bytes,
        { ...DEFAULT_RULE_SETTINGS, sdhf: [] },
        { rules: [sdhfRule, burstRule] },
      ),
    ).toBeInstanceOf(DetectionEngine);
  });
});

describe('validation', () => {
  it.each([
    [{ windowsMs: [], allowedLatenessMs: 0 }, 'windowsMs'],
    [{ windowsMs: [1000, 1000], allowedLatenessMs: 0 }, 'windowsMs[1]'],
    [{ windowsMs: [0.5], allowedLatenessMs: 0 }, 'windowsMs[0]'],
    [{ windowsMs: [2 ** 31], allowedLatenessMs: 0 }, 'windowsMs[0]'],
    [{ windowsMs: [1000], allowedLatenessMs: -1 }, 'allowedLatenessMs'],
    [{ windowsMs: [1000], allowedLatenessMs: 0, expectedCallers: -5 }, 'expectedCallers'],
    [{ windowsMs: [1000], allowedLatenessMs: 0, feedDelayMs: -1 }, 'feedDelayMs'],
    [{ windowsMs: [1000], allowedLatenessMs: 0, feedDelayMs: 2 ** 31 }, 'feedDelayMs'],
  ])('rejects options %j naming %s', (options, option) => {
    expect(() => new DetectionEngine(options, { ...DEFAULT_RULE_SETTINGS, sdhf: [] })).toThrow(
      expect.objectContaining({ code: WindowOptionsError.code, option }),
    );
  });

  it.each([
    [{ sdhf: [{ windowMs: 5, minDistinctCallees: 50, maxAvgDurationSeconds: 3 }] }, 'sdhf[0].windowMs'],
    [
      { sdhf: [{ windowMs: 600_000, minDistinctCallees: -1, maxAvgDurationSeconds: 3 }] },
      'sdhf[0].minDistinctCallees',
    ],
    [
      { sdhf: [{ windowMs: 600_000, minDistinctCallees: 50, maxAvgDurationSeconds: 0 }] },
      'sdhf[0].maxAvgDurationSeconds',
    ],
    [{ allowlist: ['+234'] }, 'allowlist[0]'],
    [{ cooldownMs: -1 }, 'cooldownMs'],
  ])('rejects settings %j naming %s, keeping the old ones', (change, setting) => {
    const engine = new DetectionEngine(
      { windowsMs: DEFAULT_WINDOWS_MS, allowedLatenessMs: 0 },
      DEFAULT_RULE_SETTINGS,
    );
    expect(() => engine.setRules({ ...DEFAULT_RULE_SETTINGS, ...change })).toThrow(
      expect.objectContaining({ code: RuleSettingsError.code, setting }),
    );
    const alerts: AlertEvent[] = [];
    for (let i = 0; i < 60; i++) engine.process(7, 100 + i, T0 + i, 1, alerts);
    expect(alerts.map((a) => a.uniqueDestinations)).toEqual([51, 51, 51]);
  });
});

describe('snapshots', () => {
  it('rejects bytes that are not a snapshot, or are cut short', () => {
    const engine = new DetectionEngine(
      { windowsMs: [60_000], allowedLatenessMs: 0 },
      { ...DEFAULT_RULE_SETTINGS, sdhf: [] },
    );
    for (let i = 0; i < 100; i++) engine.process(1 + (i % 7), 100 + i, T0 + i, 1, []);
    const bytes = engine.snapshot();
    expect(() => DetectionEngine.restore(new Uint8Array(64), DEFAULT_RULE_SETTINGS)).toThrow(SnapshotError);
    expect(() => DetectionEngine.restore(bytes.subarray(0, bytes.length - 9), DEFAULT_RULE_SETTINGS)).toThrow(
      SnapshotError,
    );
    const restored = DetectionEngine.restore(bytes.slice(), { ...DEFAULT_RULE_SETTINGS, sdhf: [] });
    expect(restored.footprint()).toEqual(engine.footprint());
    expect(restored.callerStats(3)).toEqual(engine.callerStats(3));
  });
});
