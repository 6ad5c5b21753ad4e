import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { configError } from './config-error.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.partitions).toBe(16);
    expect(config.windowsMs).toEqual([600_000, 3_600_000, 86_400_000]);
    expect(config.allowedLatenessMs).toBe(300_000);
    expect(config.sdhf).toEqual({ minDistinctCallees: 50, maxAvgDurationSeconds: 3 });
    expect(config.httpPort).toBe(8000);
    expect(config.natsUrl).toBeUndefined();
    expect(config.demo).toBe(true); // embedded mode
    expect(loadConfig({ NATS_URL: 'nats://127.0.0.1:4222', DATABASE_URL: 'postgres://x@y/z' }).demo).toBe(
      false,
    );
  });

  it('parses durations, lists and the predecessor names', () => {
    const config = loadConfig({
      WINDOWS: '24h, 10m,1h',
      ALLOWED_LATENESS: '90s',
      DATABASE_POOL_MAX_SIZE: '25',
      LOG_LEVEL: 'DEBUG',
      ALLOWLIST: '+2348012345678, 23480*',
    });
    expect(config.windowsMs).toEqual([600_000, 3_600_000, 86_400_000]);
    expect(config.allowedLatenessMs).toBe(90_000);
    expect(config.databasePoolMaxSize).toBe(25);
    expect(config.logLevel).toBe('debug');
    expect(config.allowlist).toEqual(['2348012345678', '23480*']);
  });

  it('reads the case lifecycle defaults (hysteresis, reopening, update rate)', () => {
    expect(loadConfig({}).cases).toEqual({
      quietPeriodMs: 3_600_000,
      reopenWithinMs: 86_400_000,
      updateEveryMs: 3_600_000,
    });
    expect(
      loadConfig({ CASE_QUIET_PERIOD: '30m', CASE_REOPEN_WITHIN: '7d', CASE_UPDATE_EVERY: '90s' }).cases,
    ).toEqual({ quietPeriodMs: 1_800_000, reopenWithinMs: 604_800_000, updateEveryMs: 90_000 });
  });

  it.each([
    [{ PARTITIONS: '0' }, 'PARTITIONS', 'an integer from 1 to 1024'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', 'one of trace, debug, info, warn, error, fatal, silent'],
    [{ WINDOWS: '10 minutes' }, 'WINDOWS', 'a duration such as'],
    [{ NATS_URL: 'http://localhost' }, 'NATS_URL', 'nats: or tls:'],
    // Static ownership is gone: a leftover key fails fast instead of seeming to decide anything.
    [{ INSTANCE_INDEX: '0' }, 'INSTANCE_INDEX', 'partitions are now claimed through leases'],
    [{ INSTANCE_COUNT: '4' }, 'INSTANCE_COUNT', 'partitions are now claimed through leases'],
    [{ LEASE_TTL: '1s' }, 'LEASE_TTL', 'a duration from 2s to 300s'],
    [{ CHECKPOINT_STORE: 's3' }, 'CHECKPOINT_STORE', 'nats, local'],
    [{ INSTANCE_NAME: 'a b' }, 'INSTANCE_NAME', 'letters, digits, - and _'],
    [{ ALLOWLIST: '12ab' }, 'ALLOWLIST', 'E.164 numbers or prefixes'],
    [{ CDR_MAX_AGE: '1h' }, 'CDR_MAX_AGE', 'at least the longest window'],
    [{ DEMO: 'maybe' }, 'DEMO', 'true or false'],
    [{ CASE_QUIET_PERIOD: 'soon' }, 'CASE_QUIET_PERIOD', 'a duration such as'],
    [{ CASE_QUIET_PERIOD: '500ms' }, 'CASE_QUIET_PERIOD', 'a duration from 1s to 31622400s'],
    [{ CASE_REOPEN_WITHIN: '400d' }, 'CASE_REOPEN_WITHIN', 'a duration from 1s to 31622400s'],
    [{ CASE_UPDATE_EVERY: '-1m' }, 'CASE_UPDATE_EVERY', 'a duration such as'],
    [
      { SINK_BATCH_MAX_ROWS: '9000', SINK_MAX_BUFFERED_ROWS: '1000' },
      'SINK_MAX_BUFFERED_ROWS',
      'at least SINK_BATCH_MAX_ROWS',
    ],
  ])('names the bad key and what it accepts: %o', (env, key, accepted) => {
    const error = configError(env);
    expect(error.key).toBe(key);
    expect(error.message).toContain(key);
    expect(error.message).toContain(accepted);
    expect(error.code).toBe('SENTINEL_CONFIG_INVALID');
  });

  it('never echoes a database URL that may hold a password', () => {
    const error = configError({ DATABASE_URL: 'not a url with secret' });
    expect(error.message).not.toContain('secret');
  });

  it('reads API keys from a secret file', () => {
    const hash = 'a'.repeat(64);
    const config = loadConfig({ API_KEYS_FILE: '/run/secrets/keys' }, (path) => {
      expect(path).toBe('/run/secrets/keys');
      return `ops:${hash}\nanalyst:${'b'.repeat(64)}\n`;
    });
    expect(config.auth.apiKeyHashes).toEqual([
      { name: 'ops', sha256: hash },
      { name: 'analyst', sha256: 'b'.repeat(64) },
    ]);
  });

  it('reads an optional role per API key; a key without one gets AUTH_DEFAULT_ROLE (viewer by default)', () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    const config = loadConfig({ API_KEYS: `ops:${a}:admin,dashboard:${b}` });
    expect(config.auth.apiKeyHashes).toEqual([
      { name: 'ops', sha256: a, role: 'admin' },
      { name: 'dashboard', sha256: b, role: undefined },
    ]);
    expect(config.auth.defaultRole).toBe('viewer');
    expect(loadConfig({ AUTH_DEFAULT_ROLE: 'admin' }).auth.defaultRole).toBe('admin');
    const badRole = configError({ API_KEYS: `ops:${a}:root` });
    expect(badRole.message).toContain('API_KEYS');
    expect(badRole.message).toContain('viewer, analyst, admin');
    expect(badRole.message).not.toContain(a);
    expect(configError({ AUTH_DEFAULT_ROLE: 'owner' }).message).toContain('AUTH_DEFAULT_ROLE');
  });

  it('suppresses false positives for 7 days unless FALSE_POSITIVE_SUPPRESSION says otherwise', () => {
    expect(loadConfig({}).falsePositiveSuppressionMs).toBe(7 * 86_400_000);
    expect(loadConfig({ FALSE_POSITIVE_SUPPRESSION: '30d' }).falsePositiveSuppressionMs).toBe(
      30 * 86_400_000,
    );
    for (const raw of ['soon', '10s', '400d']) {
      const error = configError({ FALSE_POSITIVE_SUPPRESSION: raw });
      expect(error.message, raw).toContain('FALSE_POSITIVE_SUPPRESSION');
    }
  });
});

describe('feed settings', () => {
  const mappingYaml = 'name: mediation\nfields:\n  caller: a\n  callee: b\n  start: t\n  duration: d\n';
  const files = (path: string): string => {
    if (path === '/etc/sentinel/mediation.yaml') return mappingYaml;
    if (path === '/etc/sentinel/broken.yaml') return 'fields:\n  caller: a\n';
    throw new Error(`ENOENT ${path}`);
  };

  it('has no feed profiles by default, times in UTC and no country code', () => {
    expect(loadConfig({}).feed).toEqual({ profiles: [], timeZone: 'UTC', numberPlan: {} });
  });

  it('reads profiles, mapping files and the numbering plan', () => {
    const feed = loadConfig(
      {
        FEED_PROFILES: 'freeswitch, asterisk-csv,mapping:/etc/sentinel/mediation.yaml',
        FEED_TIME_ZONE: 'Africa/Lagos',
        FEED_COUNTRY_CODE: '+234',
        FEED_TRUNK_PREFIX: '0',
      },
      files,
    ).feed;
    expect(feed.profiles.map((profile) => [profile.name, profile.profile])).toEqual([
      ['freeswitch', 'freeswitch'],
      ['asterisk-csv', 'asterisk-csv'],
      ['mediation', 'mapping'],
    ]);
    expect(feed.profiles[2]?.mapping?.fields.caller).toEqual({ paths: ['a'] });
    expect(feed.timeZone).toBe('Africa/Lagos');
    expect(feed.numberPlan).toEqual({ countryCode: '234', trunkPrefix: '0' });
  });

  it.each([
    [{ FEED_PROFILES: 'cisco' }, 'FEED_PROFILES', 'contract, freeswitch, asterisk-csv, kamailio or mapping:'],
    [{ FEED_PROFILES: 'seed-csv' }, 'FEED_PROFILES', 'needs a header row'],
    [{ FEED_PROFILES: 'mapping' }, 'FEED_PROFILES', 'mapping:/path/to/file.yaml'],
    [{ FEED_PROFILES: 'mapping:/etc/sentinel/missing.yaml' }, 'FEED_PROFILES', 'a readable mapping file'],
    [{ FEED_PROFILES: 'mapping:/etc/sentinel/broken.yaml' }, 'FEED_PROFILES', 'fields.callee: is required'],
    [{ FEED_PROFILES: 'freeswitch,freeswitch' }, 'FEED_PROFILES', 'each profile once'],
    [{ FEED_TIME_ZONE: 'Lagos' }, 'FEED_TIME_ZONE', 'an IANA time zone'],
    [{ FEED_COUNTRY_CODE: '0234' }, 'FEED_COUNTRY_CODE', '1-3 digits'],
    [{ FEED_TRUNK_PREFIX: 'zero' }, 'FEED_TRUNK_PREFIX', '1-4 digits'],
  ])('names the bad feed key: %o', (env, key, accepted) => {
    let error: unknown;
    try {
      loadConfig(env, files);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe(key);
    expect((error as ConfigError).message).toContain(accepted);
  });
});
