import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { configError } from './config-error.js';

describe('per-source settings', () => {
  it('default to 100 labels, 5% over 10 minutes with at least 100 records', () => {
    expect(loadConfig({}).sources).toEqual({
      maxLabels: 100,
      rejectedShareMax: 0.05,
      minRecords: 100,
      windowMs: 600_000,
    });
  });

  it('read a share as a fraction or a percentage', () => {
    const env = { SOURCE_LABELS_MAX: '250', SOURCE_REJECTED_MIN_RECORDS: '20', SOURCE_HEALTH_WINDOW: '5m' };
    expect(loadConfig({ ...env, SOURCE_REJECTED_SHARE_MAX: '2.5%' }).sources).toEqual({
      maxLabels: 250,
      rejectedShareMax: 0.025,
      minRecords: 20,
      windowMs: 300_000,
    });
    expect(loadConfig({ SOURCE_REJECTED_SHARE_MAX: '0.1' }).sources.rejectedShareMax).toBe(0.1);
    expect(loadConfig({ SOURCE_REJECTED_SHARE_MAX: '100%' }).sources.rejectedShareMax).toBe(1);
  });

  it('refuse values that cannot work, naming the key and what it accepts', () => {
    for (const [key, raw, accepted] of [
      ['SOURCE_LABELS_MAX', '0', 'an integer from 1 to 10000'],
      ['SOURCE_LABELS_MAX', 'lots', 'an integer from 1 to 10000'],
      ['SOURCE_REJECTED_SHARE_MAX', '5', 'a share above 0 and at most 1'],
      ['SOURCE_REJECTED_SHARE_MAX', '0%', 'a share above 0 and at most 1'],
      ['SOURCE_REJECTED_SHARE_MAX', '%', 'a share above 0 and at most 1'],
      ['SOURCE_REJECTED_SHARE_MAX', 'five', 'a share above 0 and at most 1'],
      ['SOURCE_REJECTED_MIN_RECORDS', '0', 'an integer from 1 to 100000000'],
      ['SOURCE_HEALTH_WINDOW', '30s', 'a duration from 1m to 24h'],
      ['SOURCE_HEALTH_WINDOW', '2d', 'a duration from 1m to 24h'],
      ['SOURCE_HEALTH_WINDOW', 'soon', 'a duration such as'],
    ] as const) {
      const error = configError({ [key]: raw });
      expect(error.key, `${key}=${raw}`).toBe(key);
      expect(error.message, `${key}=${raw}`).toContain(accepted);
      expect(error.message).toContain(key);
    }
  });
});
