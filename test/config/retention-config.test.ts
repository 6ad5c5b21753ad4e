/** Config keys of case and dead-letter retention, and the crash tests' fault hook. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { configError } from './config-error.js';

describe('retention and fault-injection settings', () => {
  it('keeps closed cases 180 days and dead letters 30 by default, and injects no fault', () => {
    const config = loadConfig({});
    expect(config.caseRetentionDays).toBe(180);
    expect(config.deadLetterRetentionDays).toBe(30);
    expect(config.faultKillAfterCommit).toBeUndefined();
  });

  it('reads the keys', () => {
    const config = loadConfig({
      CASE_RETENTION_DAYS: '365',
      DEAD_LETTER_RETENTION_DAYS: '7',
      FAULT_KILL_AFTER_COMMIT: '2',
    });
    expect(config.caseRetentionDays).toBe(365);
    expect(config.deadLetterRetentionDays).toBe(7);
    expect(config.faultKillAfterCommit).toBe(2);
  });

  it.each([
    [{ CASE_RETENTION_DAYS: '0' }, 'CASE_RETENTION_DAYS', 'an integer from 1 to 3650'],
    [{ CASE_RETENTION_DAYS: '30d' }, 'CASE_RETENTION_DAYS', 'an integer from 1 to 3650'],
    [{ DEAD_LETTER_RETENTION_DAYS: '-1' }, 'DEAD_LETTER_RETENTION_DAYS', 'an integer from 1 to 3650'],
    [{ FAULT_KILL_AFTER_COMMIT: 'yes' }, 'FAULT_KILL_AFTER_COMMIT', 'an integer from 1 to 1000000'],
  ])('names the bad key and what it accepts: %o', (env, key, accepted) => {
    const error = configError(env);
    expect(error.key).toBe(key);
    expect(error.message).toContain(key);
    expect(error.message).toContain(accepted);
    expect(error.code).toBe('SENTINEL_CONFIG_INVALID');
  });
});
