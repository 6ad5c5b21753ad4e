/**
 * The predecessor's caller risk score, kept so analysts' thresholds still mean the same thing:
 * `min(distinct/100, 1)·0.5 + max(1 − avg/3, 0)·0.3 + min(calls/200, 1)·0.2`, capped at 1, two decimals.
 * A caller with no calls in the window scores 0 (the formula alone would give 0.3 for an average of 0 s).
 */

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export interface RiskInputs {
  callCount: number;
  uniqueDestinations: number;
  avgDurationSeconds: number;
}

export function riskScore(inputs: RiskInputs): number {
  if (inputs.callCount <= 0) return 0;
  const fanout = Math.min(inputs.uniqueDestinations / 100, 1) * 0.5;
  const shortness = Math.max(1 - inputs.avgDurationSeconds / 3, 0) * 0.3;
  const frequency = Math.min(inputs.callCount / 200, 1) * 0.2;
  return Math.round(Math.min(fanout + shortness + frequency, 1) * 100) / 100;
}

/** Bands: [0, 0.3) low, [0.3, 0.6) medium, [0.6, 0.8] high, (0.8, 1] critical (the seed: "> 0.8 critical"). */
export function riskLevel(score: number): RiskLevel {
  if (score < 0.3) return 'low';
  if (score < 0.6) return 'medium';
  if (score <= 0.8) return 'high';
  return 'critical';
}
