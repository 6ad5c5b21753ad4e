/** The engine's caller stats in the brute-force reference's shape, for tests that compare the two. */
import type { CallerStats } from '../../src/windows/index.js';

const SEVERITY_INDEX = { LOW: 0, MEDIUM: 1, HIGH: 2, CRITICAL: 3 } as const;

export function engineView(stats: CallerStats | undefined): unknown {
  if (stats === undefined) return undefined;
  return {
    latestEventAtMs: stats.latestEventAtMs,
    windows: stats.windows.map((w) => ({
      windowMs: w.windowMs,
      callCount: w.callCount,
      distinctCallees: w.distinctCallees,
      totalDurationSeconds: w.totalDurationSeconds,
      firstEventAtMs: w.firstEventAtMs,
      lastEventAtMs: w.lastEventAtMs,
    })),
    episodes: stats.openEpisodes.map((e) => `${e.episodeKey}/${e.emissions}/${SEVERITY_INDEX[e.severity]}`),
  };
}
