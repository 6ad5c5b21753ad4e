/**
 * A fixed stream for the snapshot-upgrade test (snapshot-upgrade.test.ts): three hours of calls over windows of
 * 1 min, 10 min and 1 h, with every block-mode shape a snapshot can hold: a SIM box calling fresh numbers
 * (callee index, rebuilt as it fills), a busy line calling back the same twenty numbers (index hits), callers
 * of 4–40 calls (promotion, ring growth, expiry wrapping rings), a few quiet ones (inline), out-of-order records
 * within the lateness, and some day-long durations. Deterministic: no fast-check, its own generator, so that
 * the version-4 fixture written by the engine of that format still matches these events.
 */
import type { RuleSettings } from '../../src/windows/index.js';

export const UPGRADE_WINDOWS_MS = [60_000, 600_000, 3_600_000];
export const UPGRADE_LATENESS_MS = 300_000;
export const UPGRADE_SETTINGS: RuleSettings = {
  sdhf: UPGRADE_WINDOWS_MS.map((windowMs) => ({
    windowMs,
    minDistinctCallees: 20,
    maxAvgDurationSeconds: 3,
  })),
  allowlist: [],
  cooldownMs: 600_000,
};
/** The version-4 fixture is the engine's state after this many events. */
export const UPGRADE_SNAPSHOT_AT = 2_000;

export interface UpgradeEvent {
  caller: number;
  callee: number;
  t: number;
  duration: number;
}

const T0 = 1_767_225_600_000; // 2026-01-01
const SPAN_MS = 3 * 3_600_000;
const EVENTS = 3_000;
const SIM_BOX = 2_348_000_000_001;
const BUSY_LINE = 2_348_000_000_002;

export function upgradeEvents(): UpgradeEvent[] {
  let state = 0x2545f491;
  const random = (): number => {
    // xorshift32: plenty for a fixed test stream.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
  const events: UpgradeEvent[] = [];
  for (let i = 0; i < EVENTS; i++) {
    let t = T0 + Math.floor((i * SPAN_MS) / EVENTS);
    if (random() < 0.05) t -= Math.floor(random() * 120_000);
    const pick = random();
    let caller: number;
    let callee: number;
    let duration: number;
    if (pick < 0.3) {
      caller = SIM_BOX;
      callee = 2_349_000_000_000 + i;
      duration = Math.floor(random() * 4);
    } else if (pick < 0.45) {
      caller = BUSY_LINE;
      callee = 2_349_100_000_000 + Math.floor(random() * 20);
      duration = Math.floor(random() * 30);
    } else if (pick < 0.95) {
      caller = 2_347_000_000_000 + Math.floor(random() * 60);
      callee = 2_349_200_000_000 + Math.floor(random() * 8);
      duration = random() < 0.05 ? 86_400 : Math.floor(random() * 300);
    } else {
      caller = 2_346_000_000_000 + Math.floor(random() * 500);
      callee = 2_349_300_000_000 + Math.floor(random() * 3);
      duration = Math.floor(random() * 600);
    }
    events.push({ caller, callee, t, duration });
  }
  return events;
}
