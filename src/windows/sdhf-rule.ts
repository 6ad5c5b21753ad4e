/**
 * Short-duration high-fanout (SIM-box / call masking): in a window, strictly more than `minDistinctCallees`
 * distinct callees and an average duration strictly below `maxAvgDurationSeconds` (the seed's `> 50` and
 * `< 3.0 s` on 24 h by default). Average = total seconds / calls, compared as a double.
 */
import type { CaseThreshold } from './case-types.js';
import type { RuleSettings } from './engine-options.js';
import type { PreparedRule, Rule, WindowStats } from './rule.js';
import { sdhfSeverityIndex } from './severity.js';
import { windowLabel } from './window-label.js';

class PreparedSdhf implements PreparedRule {
  constructor(
    readonly minCallsByWindow: readonly number[],
    private readonly minDistinct: Float64Array,
    private readonly maxAvgSeconds: Float64Array,
    readonly thresholds: readonly CaseThreshold[],
  ) {}

  evaluate(k: number, stats: WindowStats): number {
    const distinct = stats.distinctCallees;
    if (!(distinct > this.minDistinct[k]!)) return -1;
    const avg = stats.totalDurationSeconds / stats.callCount;
    return avg < this.maxAvgSeconds[k]! ? sdhfSeverityIndex(distinct, avg) : -1;
  }

  summarize(caller: number, stats: WindowStats): string {
    const avg = stats.callCount === 0 ? 0 : stats.totalDurationSeconds / stats.callCount;
    return (
      `Caller ${caller} made ${stats.callCount} calls to ${stats.distinctCallees} distinct numbers ` +
      `in ${windowLabel(stats.windowMs)}, avg duration ${avg.toFixed(1)}s`
    );
  }
}

export const sdhfRule: Rule = {
  id: 'sdhf',
  alertType: 'SDHF_SIMBOX',
  detectionRule: 'SDHF_001',
  prepare(settings: RuleSettings, windowsMs: readonly number[]): PreparedRule {
    const minCalls = windowsMs.map(() => Infinity);
    const minDistinct = new Float64Array(windowsMs.length).fill(Infinity);
    const maxAvg = new Float64Array(windowsMs.length);
    for (const entry of settings.sdhf) {
      const k = windowsMs.indexOf(entry.windowMs);
      if (k < 0) continue; // validateRuleSettings rejects this before rules are prepared
      // distinct > min needs at least min + 1 calls.
      minCalls[k] = entry.minDistinctCallees + 1;
      minDistinct[k] = entry.minDistinctCallees;
      maxAvg[k] = entry.maxAvgDurationSeconds;
    }
    const thresholds = settings.sdhf
      .filter((entry) => windowsMs.includes(entry.windowMs))
      .map(({ windowMs, minDistinctCallees, maxAvgDurationSeconds }) => ({
        windowMs,
        minDistinctCallees,
        maxAvgDurationSeconds,
      }))
      .sort((a, b) => a.windowMs - b.windowMs);
    return new PreparedSdhf(minCalls, minDistinct, maxAvg, thresholds);
  },
};
