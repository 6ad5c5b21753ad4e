/**
 * Rule settings between the operators' document (seconds) and the engine (milliseconds): thresholds, the case
 * lifecycle and suppressions map both ways, and a document stored before cases existed runs with the
 * configuration's case defaults.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import {
  caseSettingsDoc,
  defaultRuleSettingsDoc,
  toRuleSettings,
  toRuleSettingsDoc,
} from '../../../src/engine/main/rules-mapping.js';
import { DetectionEngine, RuleSettingsError } from '../../../src/windows/index.js';

describe('rules mapping', () => {
  it('carries the configured case lifecycle into the engine settings', () => {
    const config = loadConfig({
      CASE_QUIET_PERIOD: '30m',
      CASE_REOPEN_WITHIN: '2d',
      CASE_UPDATE_EVERY: '5m',
    });
    const settings = toRuleSettings(defaultRuleSettingsDoc(config));
    expect(settings.cases).toEqual({
      quietPeriodMs: 1_800_000,
      reopenWithinMs: 172_800_000,
      updateEveryMs: 300_000,
    });
  });

  it('uses the fallback for a document without cases, and the document when it has them', () => {
    const config = loadConfig({ CASE_QUIET_PERIOD: '2h' });
    const { cases: _omitted, ...stored } = defaultRuleSettingsDoc(config);
    expect(toRuleSettings(stored).cases).toBeUndefined();
    expect(toRuleSettings(stored, caseSettingsDoc(config)).cases?.quietPeriodMs).toBe(7_200_000);
    const own = {
      ...stored,
      cases: { quietPeriodSeconds: 60, reopenWithinSeconds: 120, updateEverySeconds: 30 },
    };
    expect(toRuleSettings(own, caseSettingsDoc(config)).cases).toEqual({
      quietPeriodMs: 60_000,
      reopenWithinMs: 120_000,
      updateEveryMs: 30_000,
    });
  });

  it('maps suppressions, and back again without loss', () => {
    const doc = {
      ...defaultRuleSettingsDoc(loadConfig({})),
      suppressions: [{ number: '2348012345678', untilMs: 1_780_000_000_000 }],
    };
    const settings = toRuleSettings(doc);
    expect(settings.suppressions).toEqual([{ number: '2348012345678', untilMs: 1_780_000_000_000 }]);
    expect(toRuleSettingsDoc(settings)).toEqual(doc);
  });

  it('a bad case setting or suppression is refused by the engine, naming the field', () => {
    const config = loadConfig({});
    const engine = new DetectionEngine(
      { windowsMs: config.windowsMs, allowedLatenessMs: 0 },
      toRuleSettings(defaultRuleSettingsDoc(config)),
    );
    const bad = (patch: object): unknown => {
      try {
        engine.setRules({ ...toRuleSettings(defaultRuleSettingsDoc(config)), ...patch });
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const quiet = bad({ cases: { quietPeriodMs: -1, reopenWithinMs: 0, updateEveryMs: 0 } });
    expect(quiet).toBeInstanceOf(RuleSettingsError);
    expect((quiet as Error).message).toContain('cases.quietPeriodMs');
    const suppression = bad({ suppressions: [{ number: '+234', untilMs: 0 }] });
    expect((suppression as Error).message).toContain('suppressions[0].number');
  });
});
