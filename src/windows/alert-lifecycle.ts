/**
 * Alert episodes, in event time. One open episode per (caller, rule, window). It opens when the condition first
 * holds (emission 0, `opened`), emits again when severity rises above the last emitted one (`escalated`) or
 * when the condition still holds `cooldownMs` after the last emission (`cooldown`), and closes silently the
 * first time an update of the caller finds the condition false. Because every decision uses the caller's event
 * time, replaying a stream reproduces the same alerts and keys.
 *
 * Episodes are rare, so they live in a Map keyed by caller; the caller's record carries a flag so callers
 * without episodes never pay for a Map lookup.
 */
import type { AlertEvent } from './alert-types.js';
import type { OpenEpisode } from './caller-stats.js';
import type { Rule, WindowStats } from './rule.js';
import { severityName } from './severity.js';

export interface Episode {
  startMs: number;
  /** Alerts emitted so far in this episode; the next one gets this number. */
  emissions: number;
  /** Severity index of the last emission. */
  severity: number;
  lastEmittedAtMs: number;
}

export type EpisodeReason = AlertEvent['reason'];

export class AlertLifecycle {
  /** caller → episodes indexed `ruleIndex * windowCount + k`. */
  private readonly open = new Map<number, (Episode | undefined)[]>();
  /** Why the episode returned by the last `step` emits. */
  lastReason: EpisodeReason = 'opened';

  get size(): number {
    return this.open.size;
  }

  episodesOf(caller: number): (Episode | undefined)[] | undefined {
    return this.open.get(caller);
  }

  /** The caller's open episodes as the API shows them; `rules` and `windowsMs` are the engine's, in its order. */
  openEpisodesOf(caller: number, rules: readonly Rule[], windowsMs: readonly number[]): OpenEpisode[] {
    const open: OpenEpisode[] = [];
    (this.open.get(caller) ?? []).forEach((episode, slotIndex) => {
      if (episode === undefined) return;
      const rule = rules[Math.floor(slotIndex / windowsMs.length)]!;
      const windowMs = windowsMs[slotIndex % windowsMs.length]!;
      open.push({
        rule: rule.id,
        windowMs,
        episodeKey: `${rule.id}:${windowMs / 1000}:${caller}:${episode.startMs}`,
        severity: severityName(episode.severity),
        startedAtMs: episode.startMs,
        emissions: episode.emissions,
        lastEmittedAtMs: episode.lastEmittedAtMs,
      });
    });
    return open;
  }

  forget(caller: number): void {
    this.open.delete(caller);
  }

  /**
   * Decides what one evaluation means for the caller's episode in (rule, window): the reason to emit, or
   * undefined. `severity` is −1 when the condition does not hold. Updates the episode in place.
   */
  step(
    caller: number,
    slotIndex: number,
    severity: number,
    latestMs: number,
    cooldownMs: number,
  ): Episode | undefined {
    let episodes = this.open.get(caller);
    const episode = episodes?.[slotIndex];
    if (severity < 0) {
      if (episode !== undefined && episodes !== undefined) {
        episodes[slotIndex] = undefined;
        if (episodes.every((e) => e === undefined)) this.open.delete(caller);
      }
      return undefined;
    }
    if (episode === undefined) {
      if (episodes === undefined) {
        episodes = [];
        this.open.set(caller, episodes);
      }
      const opened: Episode = { startMs: latestMs, emissions: 0, severity, lastEmittedAtMs: latestMs };
      episodes[slotIndex] = opened;
      this.lastReason = 'opened';
      return opened;
    }
    if (severity > episode.severity) {
      this.lastReason = 'escalated';
    } else if (latestMs - episode.lastEmittedAtMs >= cooldownMs) {
      this.lastReason = 'cooldown';
    } else {
      return undefined;
    }
    episode.severity = severity;
    episode.lastEmittedAtMs = latestMs;
    return episode;
  }

  /** Drops episodes the predicate rejects (allowlist or rule windows changed at run time). */
  retain(keep: (caller: number, slotIndex: number) => boolean): void {
    for (const [caller, episodes] of this.open) {
      episodes.forEach((episode, slotIndex) => {
        if (episode !== undefined && !keep(caller, slotIndex)) episodes[slotIndex] = undefined;
      });
      if (episodes.every((e) => e === undefined)) this.open.delete(caller);
    }
  }

  entries(): IterableIterator<[number, (Episode | undefined)[]]> {
    return this.open.entries();
  }

  restore(caller: number, slotIndex: number, episode: Episode): void {
    let episodes = this.open.get(caller);
    if (episodes === undefined) {
      episodes = [];
      this.open.set(caller, episodes);
    }
    episodes[slotIndex] = episode;
  }

  /** Builds the alert for an emission and counts it in the episode. */
  toAlertEvent(
    rule: Rule,
    caller: number,
    episode: Episode,
    stats: WindowStats,
    latestMs: number,
    firstEventAtMs: number,
    evidenceSummary: string,
  ): AlertEvent {
    const windowSeconds = stats.windowMs / 1000;
    const episodeKey = `${rule.id}:${windowSeconds}:${caller}:${episode.startMs}`;
    const emission = episode.emissions++;
    return {
      alertKey: `${episodeKey}:${emission}`,
      episodeKey,
      rule: rule.id,
      alertType: rule.alertType,
      detectionRule: rule.detectionRule,
      windowSeconds,
      suspectNumber: String(caller),
      severity: severityName(episode.severity),
      reason: this.lastReason,
      callCount: stats.callCount,
      uniqueDestinations: stats.distinctCallees,
      avgDurationSeconds: stats.callCount === 0 ? 0 : stats.totalDurationSeconds / stats.callCount,
      totalDurationSeconds: stats.totalDurationSeconds,
      windowStartMs: latestMs - stats.windowMs,
      windowEndMs: latestMs,
      firstEventAtMs,
      lastEventAtMs: latestMs,
      evidenceSummary,
    };
  }
}
