/**
 * The case lifecycle on hand-made streams, each aimed at one guarantee: a caller hovering at the threshold is
 * one case, not one per crossing; an allowlisted or suppressed caller opens none; a case comes back as itself
 * within the reopen period and as a new case after it; state is reclaimed; old snapshots are refused.
 */
import { describe, expect, it } from 'vitest';
import {
  DetectionEngine,
  SnapshotError,
  type AlertEvent,
  type CaseEvent,
  type RuleSettings,
} from '../../src/windows/index.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 5, 8);
const CALLER = 2348012345678;
const OTHER = 2347011111111;
/** Only the 10-minute window watched: more than 5 distinct callees, average under 3 s. */
const RULES: RuleSettings = {
  sdhf: [{ windowMs: 10 * MINUTE, minDistinctCallees: 5, maxAvgDurationSeconds: 3 }],
  allowlist: [],
  cooldownMs: 60 * MINUTE,
  cases: { quietPeriodMs: 60 * MINUTE, reopenWithinMs: 24 * 60 * MINUTE, updateEveryMs: 30 * MINUTE },
};

class Run {
  readonly engine: DetectionEngine;
  readonly alerts: AlertEvent[] = [];
  readonly cases: CaseEvent[] = [];
  private callee = 1;

  constructor(rules: RuleSettings = RULES) {
    // No feed delay: the clock closes cases at the very event time the tests name.
    this.engine = new DetectionEngine(
      { windowsMs: [10 * MINUTE, 60 * MINUTE], allowedLatenessMs: 0, feedDelayMs: 0 },
      rules,
    );
  }

  /** A one-second call from `caller` to a new number at `atMs`. */
  call(atMs: number, caller = CALLER): void {
    this.engine.process(caller, 2349_000_000_000 + this.callee++, atMs, 1, this.alerts);
    this.cases.push(...this.engine.lastCaseEvents);
  }

  /** A long call from another caller: moves the partition's clock without touching the suspect. */
  tick(atMs: number): void {
    this.engine.process(OTHER, 2341, atMs, 600, this.alerts);
    this.cases.push(...this.engine.lastCaseEvents);
  }

  kinds(): string[] {
    return this.cases.map((c) => c.kind);
  }
}

describe('case lifecycle', () => {
  it('a caller hovering at the threshold is one case while its 10-minute alert episode opens again and again', () => {
    const run = new Run();
    // Six calls 100 s apart meet the rule; every sixth call comes 200 s late, which leaves five in the window.
    let t = T0;
    for (let i = 0; i < 120; i++) {
      t += i % 6 === 5 ? 200_000 : 100_000;
      run.call(t);
    }
    const episodes = run.alerts.filter((a) => a.reason === 'opened').length;
    expect(episodes).toBeGreaterThan(10);
    expect(run.cases.filter((c) => c.kind === 'opened' || c.kind === 'reopened')).toHaveLength(1);
    expect(new Set(run.cases.map((c) => c.caseKey)).size).toBe(1);
  });

  it('closes only after the quiet period past the moment the rule could last hold, then reopens the same case', () => {
    const run = new Run();
    for (let i = 0; i < 6; i++) run.call(T0 + i * MINUTE);
    expect(run.kinds()).toEqual(['opened']);
    // The rule needs 6 calls; the 6th newest (T0) leaves the 10-minute window at T0 + 10 min: unmet from there.
    run.tick(T0 + 10 * MINUTE + 60 * MINUTE - 1);
    expect(run.kinds()).toEqual(['opened']);
    run.tick(T0 + 10 * MINUTE + 60 * MINUTE);
    expect(run.cases.at(-1)).toMatchObject({ kind: 'closed', atMs: T0 + 70 * MINUTE, sequence: 1 });
    for (let i = 0; i < 6; i++) run.call(T0 + 5 * 60 * MINUTE + i * MINUTE);
    expect(run.cases.at(-1)).toMatchObject({
      kind: 'reopened',
      caseKey: `sdhf:${CALLER}:${T0 + 5 * MINUTE}`,
      reopenCount: 1,
      sequence: 2,
    });
  });

  it('opens a new case after the reopen period, and holds no state for a caller whose case is past it', () => {
    const run = new Run();
    for (let i = 0; i < 6; i++) run.call(T0 + i * MINUTE);
    run.tick(T0 + 70 * MINUTE);
    expect(run.engine.footprint().cases).toBe(1);
    run.tick(T0 + 70 * MINUTE + 24 * 60 * MINUTE);
    expect(run.engine.footprint().cases).toBe(0);
    const later = T0 + 2 * 24 * 60 * MINUTE;
    for (let i = 0; i < 6; i++) run.call(later + i * MINUTE);
    expect(run.cases.at(-1)).toMatchObject({
      kind: 'opened',
      caseKey: `sdhf:${CALLER}:${later + 5 * MINUTE}`,
    });
  });

  it('an allowlisted caller opens no case; allowlisting an open case stops its events and lets it close', () => {
    const allowlisted = new Run({ ...RULES, allowlist: ['234801*'] });
    for (let i = 0; i < 20; i++) allowlisted.call(T0 + i * MINUTE);
    expect(allowlisted.alerts).toEqual([]);
    expect(allowlisted.cases).toEqual([]);

    const run = new Run();
    for (let i = 0; i < 6; i++) run.call(T0 + i * MINUTE);
    run.engine.setRules({ ...RULES, allowlist: [String(CALLER)] });
    for (let i = 6; i < 60; i++) run.call(T0 + i * MINUTE);
    run.tick(T0 + 59 * MINUTE + 60 * MINUTE);
    expect(run.kinds()).toEqual(['opened', 'closed']);
  });

  it('a suppressed suspect opens no case until the suppression ends (event time)', () => {
    const until = T0 + 30 * MINUTE;
    const run = new Run({ ...RULES, suppressions: [{ number: String(CALLER), untilMs: until }] });
    for (let i = 0; i < 30; i++) run.call(T0 + i * MINUTE);
    expect(run.cases).toEqual([]);
    expect(run.alerts.length).toBeGreaterThan(0); // the window-level detection log is not suppressed
    run.call(until);
    expect(run.cases).toMatchObject([{ kind: 'opened', atMs: until }]);
  });

  it('evidence is frozen: a later threshold change does not alter what an earlier event says', () => {
    const run = new Run();
    for (let i = 0; i < 6; i++) run.call(T0 + i * MINUTE);
    const opened = structuredClone(run.cases[0]!);
    run.engine.setRules({
      ...RULES,
      sdhf: [{ windowMs: 10 * MINUTE, minDistinctCallees: 2, maxAvgDurationSeconds: 5 }],
    });
    for (let i = 6; i < 40; i++) run.call(T0 + i * MINUTE);
    expect(run.cases[0]).toEqual(opened);
    expect(opened.thresholds).toEqual([
      { windowMs: 10 * MINUTE, minDistinctCallees: 5, maxAvgDurationSeconds: 3 },
    ]);
    expect(opened.calleeSample[0]).toBe(String(2349_000_000_000 + 6)); // newest first
    expect(opened.evidenceSummary).toBe(
      `Caller ${CALLER} made 6 calls to 6 distinct numbers in 10m, avg duration 1.0s`,
    );
  });

  it('refuses a snapshot of an earlier format (taken before cases) rather than guessing', () => {
    const run = new Run();
    const bytes = run.engine.snapshot();
    // Version 3 is the last format without cases (version 4 added them and is still read, upgraded).
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(4, 3, true);
    expect(() => DetectionEngine.restore(bytes, RULES)).toThrow(SnapshotError);
  });
});
