/**
 * LOW cases auto-age: the policy runs on an injected clock and timer, so the test moves time forward and fires
 * the timer itself. Only unreviewed cases that never rose above LOW, created before now − age, are reviewed by
 * the system; the default configuration has the policy on.
 */
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ageLowCases,
  AUTO_AGING_REVIEWER,
  startLowAlertAging,
  type RepeatingTimer,
} from '../../src/api/index.js';
import { loadConfig } from '../../src/config/index.js';
import { insertCase } from './support/fixtures.js';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A clock that only moves when told, and a timer that only fires when told. */
class ManualTime {
  nowMs: number;
  ticks: (() => void)[] = [];
  intervals: number[] = [];
  cancelled = 0;
  constructor(startMs: number) {
    this.nowMs = startMs;
  }
  readonly clock = (): number => this.nowMs;
  readonly timer: RepeatingTimer = (tick, intervalMs) => {
    this.ticks.push(tick);
    this.intervals.push(intervalMs);
    return () => {
      this.cancelled++;
    };
  };
  fire(): void {
    for (const tick of this.ticks) tick();
  }
}

describe('LOW case auto-aging', () => {
  let h: ApiHarness;
  const logger = pino({ level: 'silent' });
  const reviewState = async (id: number) =>
    (
      await h.pool.query<{
        reviewed: boolean;
        reviewed_by: string | null;
        auto_aged: boolean;
        verdict: string | null;
      }>('SELECT reviewed, reviewed_by, auto_aged, verdict, status FROM cases WHERE id = $1', [id])
    ).rows[0];

  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.pool.query('TRUNCATE cases, case_events, case_suppressions');
  });

  it('is on by default (7 days) and can be turned off', () => {
    const defaults = loadConfig({});
    expect(defaults.lowAlertAutoReviewAfterMs).toBe(7 * DAY_MS);
    expect(loadConfig({ LOW_ALERT_AUTO_REVIEW_AFTER: 'off' }).lowAlertAutoReviewAfterMs).toBeUndefined();
    expect(loadConfig({ LOW_ALERT_AUTO_REVIEW_AFTER: '12h' }).lowAlertAutoReviewAfterMs).toBe(12 * HOUR_MS);
    expect(() => loadConfig({ LOW_ALERT_AUTO_REVIEW_AFTER: 'soon' })).toThrow(/LOW_ALERT_AUTO_REVIEW_AFTER/);
  });

  it('reviews a LOW case only once the fake clock passes its age, on the timer’s tick', async () => {
    const createdMs = Date.now();
    const low = await insertCase(h.pool, { severity: 'LOW', createdAt: new Date(createdMs) });
    const escalated = await insertCase(h.pool, {
      severity: 'LOW',
      peakSeverity: 'HIGH',
      createdAt: new Date(createdMs),
    });
    const medium = await insertCase(h.pool, { severity: 'MEDIUM', createdAt: new Date(createdMs) });
    const time = new ManualTime(createdMs + HOUR_MS);
    const passes: number[][] = [];
    const waitForPass = async (count: number) =>
      await expect.poll(() => passes.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(count);

    const stop = startLowAlertAging(h.pool, 2 * HOUR_MS, logger, {
      clock: time.clock,
      timer: time.timer,
      onPass: (aged) => passes.push(aged),
    });
    try {
      expect(time.intervals).toEqual([60_000]);
      // The immediate pass at start: one hour old, not yet two.
      await waitForPass(1);
      expect(passes[0]).toEqual([]);
      expect((await reviewState(low.id))?.reviewed).toBe(false);

      // Two hours minus a second: still young.
      time.nowMs = createdMs + 2 * HOUR_MS - 1_000;
      time.fire();
      await waitForPass(2);
      expect(passes[1]).toEqual([]);

      // Past the age: the next tick reviews it, and only it.
      time.nowMs = createdMs + 2 * HOUR_MS + 1_000;
      time.fire();
      await waitForPass(3);
      expect(passes[2]).toEqual([low.id]);
      expect(await reviewState(low.id)).toEqual({
        reviewed: true,
        reviewed_by: AUTO_AGING_REVIEWER,
        auto_aged: true,
        verdict: null,
        status: 'open',
      });
      expect((await reviewState(escalated.id))?.reviewed).toBe(false);
      expect((await reviewState(medium.id))?.reviewed).toBe(false);
      const note = await h.pool.query('SELECT reviewer_notes, reviewed_at FROM cases WHERE id = $1', [
        low.id,
      ]);
      expect(note.rows[0].reviewer_notes).toBe('Auto-reviewed: aged out (LOW, older than 2h)');
      expect((note.rows[0].reviewed_at as Date).getTime()).toBe(createdMs + 2 * HOUR_MS + 1_000);

      // Already reviewed: a later tick changes nothing.
      time.nowMs += DAY_MS;
      time.fire();
      await waitForPass(4);
      expect(passes[3]).toEqual([]);
    } finally {
      await stop();
    }
    expect(time.cancelled).toBe(1);
    // Stopped: a stray tick does not run a pass.
    time.fire();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(passes).toHaveLength(4);
  });

  it('leaves cases a person already reviewed as they are', async () => {
    const createdMs = Date.now() - 3 * DAY_MS;
    const human = await insertCase(h.pool, {
      severity: 'LOW',
      createdAt: new Date(createdMs),
      reviewed: true,
    });
    await h.pool.query("UPDATE cases SET reviewed_by = 'jane', verdict = 'fraud' WHERE id = $1", [human.id]);
    expect(await ageLowCases(h.pool, DAY_MS, Date.now())).toEqual([]);
    expect(await reviewState(human.id)).toMatchObject({
      reviewed_by: 'jane',
      verdict: 'fraud',
      auto_aged: false,
    });
  });

  it('keeps ticking after a failed pass', async () => {
    const time = new ManualTime(Date.now() + 3 * DAY_MS);
    const passes: number[][] = [];
    await h.pool.query('ALTER TABLE cases RENAME TO cases_hidden');
    let stop: (() => Promise<void>) | undefined;
    try {
      stop = startLowAlertAging(h.pool, DAY_MS, logger, {
        clock: time.clock,
        timer: time.timer,
        onPass: (aged) => passes.push(aged),
      });
      // The first pass fails (no table); give it time to settle.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(passes).toEqual([]);
    } finally {
      await h.pool.query('ALTER TABLE cases_hidden RENAME TO cases');
    }
    const low = await insertCase(h.pool, { severity: 'LOW', createdAt: new Date(Date.now() - 2 * DAY_MS) });
    time.fire();
    await expect.poll(() => passes.length, { timeout: 5_000 }).toBe(1);
    expect(passes[0]).toEqual([low.id]);
    await stop?.();
  });
});
