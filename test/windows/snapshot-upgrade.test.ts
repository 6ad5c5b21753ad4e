/**
 * Snapshots of the previous format (version 4: block headers with the windows' tail times in extra units,
 * 8-byte callee-index slots) still restore. The fixture was written by the engine of commit c4c1f29 from the
 * first `UPGRADE_SNAPSHOT_AT` events of upgrade-scenario.ts (62 block-mode callers, 41 of them with wrapped
 * rings, two with a callee index; inline callers; an open episode and a case). Restored into this engine, it
 * must hold exactly what the brute-force reference holds and continue exactly as the reference does.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DetectionEngine, type AlertEvent } from '../../src/windows/index.js';
import { engineView } from './engine-view.js';
import { ReferenceEngine } from './reference-engine.js';
import {
  upgradeEvents,
  UPGRADE_LATENESS_MS,
  UPGRADE_SETTINGS,
  UPGRADE_SNAPSHOT_AT,
  UPGRADE_WINDOWS_MS,
} from './upgrade-scenario.js';

const fixture = new Uint8Array(
  gunzipSync(readFileSync(new URL('./fixtures/snapshot-v4.bin.gz', import.meta.url))),
);
const events = upgradeEvents();

function formatVersion(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true);
}

function referenceUpToSnapshot(): ReferenceEngine {
  const reference = new ReferenceEngine(UPGRADE_WINDOWS_MS, UPGRADE_LATENESS_MS, UPGRADE_SETTINGS);
  for (const e of events.slice(0, UPGRADE_SNAPSHOT_AT))
    reference.process(e.caller, e.callee, e.t, e.duration, []);
  return reference;
}

describe('a version-4 snapshot', () => {
  it('restores to the state the reference holds and continues exactly as the reference', () => {
    expect(formatVersion(fixture)).toBe(4);
    const engine = DetectionEngine.restore(fixture, UPGRADE_SETTINGS);
    const reference = referenceUpToSnapshot();
    const callers = [...new Set(events.map((e) => e.caller))];
    for (const caller of callers) {
      expect(engineView(engine.callerStats(caller)), `caller ${caller}`).toEqual(
        reference.callerStats(caller),
      );
    }
    events.slice(UPGRADE_SNAPSHOT_AT).forEach((e, i) => {
      const got: AlertEvent[] = [];
      const want: AlertEvent[] = [];
      const actual = [
        engine.process(e.caller, e.callee, e.t, e.duration, got),
        got,
        engineView(engine.callerStats(e.caller)),
      ];
      const expected = [
        reference.process(e.caller, e.callee, e.t, e.duration, want),
        want,
        reference.callerStats(e.caller),
      ];
      if (JSON.stringify(actual) !== JSON.stringify(expected))
        expect(actual, `event ${UPGRADE_SNAPSHOT_AT + i}`).toEqual(expected);
    });
  });

  it('is written back in the current format, which restores to the same machine', () => {
    const upgraded = DetectionEngine.restore(fixture, UPGRADE_SETTINGS);
    const rewritten = upgraded.snapshot();
    expect(formatVersion(rewritten)).toBe(5);
    const again = DetectionEngine.restore(rewritten, UPGRADE_SETTINGS);
    for (const e of events.slice(UPGRADE_SNAPSHOT_AT)) {
      const first: AlertEvent[] = [];
      const second: AlertEvent[] = [];
      expect(again.process(e.caller, e.callee, e.t, e.duration, second)).toBe(
        upgraded.process(e.caller, e.callee, e.t, e.duration, first),
      );
      expect(second).toEqual(first);
    }
    expect(again.footprint()).toEqual(upgraded.footprint());
  });
});
