/** The caller view as the API shows it (snake_case), shared by /callers/:number and /events/call. */
import { Type, type Static } from '@fastify/type-provider-typebox';
import type { CallerView, CallerWindowView } from '../engine-port.js';
import { riskLevel, riskScore, type RiskLevel } from '../risk-score.js';
import { NullableTimestamp, SeverityName, Timestamp } from '../schemas/common-schemas.js';

/** The predecessor scored a caller over its last 24 hours. */
const RISK_WINDOW_SECONDS = 86_400;

export const WindowStatsSchema = Type.Object({
  window_seconds: Type.Integer(),
  call_count: Type.Integer(),
  unique_destinations: Type.Integer(),
  total_duration_seconds: Type.Number(),
  avg_duration_seconds: Type.Number(),
  first_event_at: NullableTimestamp,
  last_event_at: NullableTimestamp,
});

export const RiskLevelSchema = Type.Union(
  [Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')],
  { description: 'Band of risk_score: < 0.3 low, < 0.6 medium, ≤ 0.8 high, above critical' },
);

export const OpenEpisodeSchema = Type.Object({
  rule: Type.String(),
  window_seconds: Type.Integer(),
  severity: SeverityName,
  episode_key: Type.String(),
  opened_at: Timestamp,
});

export function windowStats(window: CallerWindowView): Static<typeof WindowStatsSchema> {
  return {
    window_seconds: window.windowSeconds,
    call_count: window.callCount,
    unique_destinations: window.uniqueDestinations,
    total_duration_seconds: window.totalDurationSeconds,
    avg_duration_seconds: Math.round(window.avgDurationSeconds * 100) / 100,
    first_event_at: window.firstEventAt,
    last_event_at: window.lastEventAt,
  };
}

/** The 24 h window when the deployment runs one, else the longest. */
export function riskWindow(view: CallerView): CallerWindowView | undefined {
  const exact = view.windows.find((window) => window.windowSeconds === RISK_WINDOW_SECONDS);
  if (exact !== undefined) return exact;
  return view.windows.reduce<CallerWindowView | undefined>(
    (longest, window) =>
      longest === undefined || window.windowSeconds > longest.windowSeconds ? window : longest,
    undefined,
  );
}

export function riskOf(
  view: CallerView,
): { score: number; level: RiskLevel; windowSeconds: number } | undefined {
  const window = riskWindow(view);
  if (window === undefined) return undefined;
  const score = riskScore(window);
  return { score, level: riskLevel(score), windowSeconds: window.windowSeconds };
}
