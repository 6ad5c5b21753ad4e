/**
 * Property tests: random streams through the engine and the brute-force reference must give identical
 * outcomes, per-event stats and alert sequences — event by event, and across snapshot/restore — including
 * records stamped ahead of the wall clock and a batch-delivered sub-stream (ADR 0011).
 */
import { propertyRuns } from '../support/property-runs.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetectionEngine, type AlertEvent } from '../../src/windows/index.js';
import { engineView } from './engine-view.js';
import { ReferenceEngine } from './reference-engine.js';
import { DENSE, HEAVY, scenarioArbitrary, SPARSE, type Scenario } from './stream-arbitraries.js';

function newPair(
  scenario: Scenario,
  expectedCallers?: number,
): { engine: DetectionEngine; reference: ReferenceEngine } {
  const options = {
    windowsMs: scenario.windowsMs,
    allowedLatenessMs: scenario.latenessMs,
    ...(scenario.feedDelayMs === undefined ? {} : { feedDelayMs: scenario.feedDelayMs }),
  };
  return {
    // Tiny presizing so tests also cover table growth and slab chunk turnover.
    engine: new DetectionEngine(
      { ...options, expectedCallers: expectedCallers ?? 2, expectedEvents: 16 },
      scenario.settings,
    ),
    reference: new ReferenceEngine(
      scenario.windowsMs,
      scenario.latenessMs,
      scenario.settings,
      scenario.feedDelayMs,
    ),
  };
}

/**
 * Moves event time far ahead with one fresh caller until the sweep has visited every slot: everything else must
 * be reclaimed, so the engine must hold exactly one caller, one event, and no slab blocks (no leaks, and the
 * events-held count balanced).
 */
function expectDrained(engine: DetectionEngine, scenario: Scenario): void {
  const { feedDelayMs } = engine.windowOptions();
  const gap = scenario.windowsMs.at(-1)! + Math.max(scenario.latenessMs, feedDelayMs) + 1;
  // Past every caller's T, including those stamped ahead of the partition clock.
  const latest = Math.max(
    0,
    engine.partitionClockMs(),
    ...scenario.ops.map((op) => (op.kind === 'event' ? op.t : 0)),
  );
  const start = latest + gap;
  // Day-long calls: no threshold the generators pick can match them.
  for (let i = 0; i < 200; i++) engine.process(424242, 1, start + i * gap, 86_400, []);
  expect(engine.footprint()).toMatchObject({
    callers: 1,
    eventsHeld: 1,
    slabLiveBytes: 0,
    callersWithOpenEpisodes: 0,
  });
}

/** Runs the scenario event by event, snapshotting and restoring the engine at the given op indexes. */
function runEventByEvent(scenario: Scenario, snapshotAt: ReadonlySet<number> = new Set()): void {
  const pair = newPair(scenario);
  const reference = pair.reference;
  let engine = pair.engine;
  let settings = scenario.settings;
  scenario.ops.forEach((op, index) => {
    if (snapshotAt.has(index)) engine = DetectionEngine.restore(engine.snapshot(), settings);
    if (op.kind === 'rules') {
      settings = op.settings;
      engine.setRules(settings);
      reference.setRules(settings);
      return;
    }
    const got: AlertEvent[] = [];
    const want: AlertEvent[] = [];
    const outcome = engine.process(op.caller, op.callee, op.t, op.duration, got, op.arrival);
    const expected = reference.process(op.caller, op.callee, op.t, op.duration, want, op.arrival);
    const actual = [
      outcome,
      got,
      engine.watermarkMs(),
      op.caller > 0 ? engineView(engine.callerStats(op.caller)) : 0,
    ];
    const wanted = [
      expected,
      want,
      reference.watermarkMs(),
      op.caller > 0 ? reference.callerStats(op.caller) : 0,
    ];
    // Cheap comparison first; vitest's deep equality (with its readable diff) only when they differ.
    if (JSON.stringify(actual) !== JSON.stringify(wanted))
      expect(actual, `op ${index} ${JSON.stringify(op)}`).toEqual(wanted);
  });
  expectDrained(engine, scenario);
}

describe('DetectionEngine against the brute-force reference', () => {
  it('matches per event on sparse streams (many short-lived callers)', () => {
    fc.assert(
      fc.property(scenarioArbitrary(SPARSE), (scenario) => runEventByEvent(scenario)),
      { numRuns: propertyRuns(1500) },
    );
  });

  it('matches per event on dense streams (busy callers, callee index, out-of-order shifts)', () => {
    fc.assert(
      fc.property(scenarioArbitrary(DENSE), (scenario) => runEventByEvent(scenario)),
      { numRuns: propertyRuns(400) },
    );
  });

  it('matches per event on heavy streams (hundreds of distinct callees, every severity)', () => {
    fc.assert(
      fc.property(scenarioArbitrary(HEAVY), (scenario) => runEventByEvent(scenario)),
      { numRuns: propertyRuns(30) },
    );
  });

  it('snapshot → restore → continue equals never snapshotted', () => {
    const withCuts = (profile: typeof SPARSE) =>
      scenarioArbitrary(profile).chain((scenario) =>
        fc.tuple(
          fc.constant(scenario),
          fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, scenario.ops.length - 1) }), { maxLength: 4 }),
        ),
      );
    fc.assert(
      fc.property(fc.oneof(withCuts(SPARSE), withCuts(DENSE)), ([scenario, cuts]) =>
        runEventByEvent(scenario, new Set(cuts)),
      ),
      { numRuns: propertyRuns(500) },
    );
  });
});
