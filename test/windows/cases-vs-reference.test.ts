/**
 * Property tests for cases: random streams (hysteresis boundaries, reopening within and after the period,
 * escalation across windows, allowlist, suppression and case-setting changes mid-stream) through the engine and
 * the brute-force reference must give the same case events, keys and evidence, event by event — also when
 * the engine is snapshotted and restored mid-stream.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetectionEngine, type CaseEvent } from '../../src/windows/index.js';
import { propertyRuns } from '../support/property-runs.js';
import { ReferenceCases } from './reference-cases.js';
import { ReferenceEngine } from './reference-engine.js';
import {
  DENSE,
  HEAVY,
  scenarioArbitrary,
  SPARSE,
  type Profile,
  type Scenario,
} from './stream-arbitraries.js';

/** Runs the scenario, snapshotting the engine at the given op indexes; returns the case events seen. */
function runCases(scenario: Scenario, snapshotAt: ReadonlySet<number> = new Set()): CaseEvent[] {
  const options = {
    windowsMs: scenario.windowsMs,
    allowedLatenessMs: scenario.latenessMs,
    ...(scenario.feedDelayMs === undefined ? {} : { feedDelayMs: scenario.feedDelayMs }),
  };
  let engine = new DetectionEngine({ ...options, expectedCallers: 2, expectedEvents: 16 }, scenario.settings);
  const reference = new ReferenceEngine(
    scenario.windowsMs,
    scenario.latenessMs,
    scenario.settings,
    scenario.feedDelayMs,
  );
  const cases = new ReferenceCases(scenario.windowsMs, scenario.settings);
  let settings = scenario.settings;
  const seen: CaseEvent[] = [];
  scenario.ops.forEach((op, index) => {
    if (snapshotAt.has(index)) engine = DetectionEngine.restore(engine.snapshot(), settings);
    if (op.kind === 'rules') {
      settings = op.settings;
      engine.setRules(settings);
      reference.setRules(settings);
      cases.setRules(settings);
      return;
    }
    const got: CaseEvent[] = [];
    const want: CaseEvent[] = [];
    engine.process(op.caller, op.callee, op.t, op.duration, [], op.arrival);
    got.push(...engine.lastCaseEvents);
    const outcome = reference.process(op.caller, op.callee, op.t, op.duration, [], op.arrival);
    if (outcome === 'windowed')
      cases.accept(op.caller, op.callee, op.t, op.duration, reference.watermarkMs(), want);
    if (JSON.stringify(got) !== JSON.stringify(want))
      expect(got, `op ${index} ${JSON.stringify(op)}`).toEqual(want);
    seen.push(...got);
  });
  expect(engine.footprint().cases).toBe(cases.size);
  return seen;
}

const withCuts = (profile: Profile): fc.Arbitrary<[Scenario, number[]]> =>
  scenarioArbitrary(profile).chain((scenario) =>
    fc.tuple(
      fc.constant(scenario),
      fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, scenario.ops.length - 1) }), { maxLength: 4 }),
    ),
  );

describe('cases against the brute-force reference', () => {
  it('match on sparse streams (many callers, quiet periods ending, reopening, reclaiming)', () => {
    fc.assert(
      fc.property(scenarioArbitrary(SPARSE), (scenario) => {
        runCases(scenario);
      }),
      { numRuns: propertyRuns(1000) },
    );
  });

  it('match on dense streams (busy callers hovering at the threshold)', () => {
    fc.assert(
      fc.property(scenarioArbitrary(DENSE), (scenario) => {
        runCases(scenario);
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it('match on heavy streams (escalation through every severity and across windows)', () => {
    fc.assert(
      fc.property(scenarioArbitrary(HEAVY), (scenario) => {
        runCases(scenario);
      }),
      { numRuns: propertyRuns(30) },
    );
  });

  it('snapshot → restore mid-stream gives the same case events as never snapshotted', () => {
    fc.assert(
      fc.property(fc.oneof(withCuts(SPARSE), withCuts(DENSE)), ([scenario, cuts]) => {
        const straight = runCases(scenario);
        expect(runCases(scenario, new Set(cuts))).toEqual(straight);
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it('a quiet period lowered after the sweep reclaimed the caller closes with empty windows (found by this test)', () => {
    const call = (caller: number, callee: number, t: number) => ({
      kind: 'event' as const,
      caller,
      callee,
      t,
      duration: 0,
      arrival: Infinity,
    });
    const rules = (quietPeriodMs: number) => ({
      sdhf: [{ windowMs: 132, minDistinctCallees: 1, maxAvgDurationSeconds: 0.5 }],
      allowlist: [],
      cooldownMs: 0,
      cases: { quietPeriodMs, reopenWithinMs: 0, updateEveryMs: 0 },
    });
    const events = runCases({
      windowsMs: [40, 130, 132],
      latenessMs: 10,
      feedDelayMs: 10,
      settings: rules(2),
      ops: [
        ...[0, 0, 0, 0, 0].map((t) => call(1, 1, t)),
        call(1, 2, 1), // met at T = 1, can hold until the 2nd newest call (t = 0) leaves: 132; due 134
        call(9015, 1, 135),
        call(9019, 1, 138),
        call(9002, 1, 143), // watermark 133: caller 1 (latest 1) is no longer held and may be reclaimed
        { kind: 'rules', settings: rules(0) }, // due 132: already past
        call(1, 1, 143),
      ],
    });
    const closed = events.find((e) => e.kind === 'closed');
    expect(closed).toMatchObject({ atMs: 132 });
    expect(closed!.windows.map((w) => w.callCount)).toEqual([0, 0, 0]);
  });

  it('keeps keys and sequences consistent: one opened per key, sequences 0, 1, 2, … per case', () => {
    fc.assert(
      fc.property(fc.oneof(scenarioArbitrary(SPARSE), scenarioArbitrary(DENSE)), (scenario) => {
        const byKey = new Map<string, CaseEvent[]>();
        for (const event of runCases(scenario))
          byKey.set(event.caseKey, [...(byKey.get(event.caseKey) ?? []), event]);
        for (const [key, events] of byKey) {
          expect(events[0]!.kind, key).toBe('opened');
          expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i));
          expect(new Set(events.map((e) => e.eventKey)).size).toBe(events.length);
          // Open and closed alternate: nothing happens to a closed case but reopening.
          let open = false;
          for (const event of events) {
            if (event.kind === 'opened' || event.kind === 'reopened') expect(open).toBe(false);
            else expect(open, `${event.kind} of a closed case`).toBe(true);
            open = event.kind !== 'closed';
          }
        }
      }),
      { numRuns: propertyRuns(300) },
    );
  });
});
