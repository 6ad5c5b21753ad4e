/**
 * Run-time rule settings in Postgres: SDHF thresholds per window and the alert cooldown in `rule_settings`
 * (one JSON value per name), allowlisted numbers/prefixes in `allowlist`. The configuration supplies the
 * defaults; what the API stored wins, window by window. Allowlist entries from the configuration
 * (`ALLOWLIST`) always apply and cannot be removed through the API. Unexpired false-positive suppressions
 * (`case_suppressions`) travel with the settings, so every push — and the engine's start — carries them.
 */
import type pg from 'pg';
import type { Config } from '../../config/index.js';
import type { RuleSettingsDoc } from '../engine-port.js';

export const THRESHOLDS_SETTING = 'sdhf.thresholds';
export const COOLDOWN_SETTING = 'alert.cooldown_seconds';

type Threshold = RuleSettingsDoc['thresholds'][number];

/** The settings the configuration implies: the same SDHF thresholds in every window. */
export function defaultRuleSettings(
  config: Pick<Config, 'windowsMs' | 'sdhf' | 'allowlist' | 'alertCooldownMs'>,
): RuleSettingsDoc {
  return {
    thresholds: config.windowsMs.map((windowMs) => ({
      windowSeconds: Math.round(windowMs / 1_000),
      minUniqueDestinations: config.sdhf.minDistinctCallees,
      maxAvgDurationSeconds: config.sdhf.maxAvgDurationSeconds,
    })),
    allowlist: [...config.allowlist],
    cooldownSeconds: Math.round(config.alertCooldownMs / 1_000),
  };
}

function storedThresholds(value: unknown): Threshold[] {
  if (!Array.isArray(value)) return [];
  const thresholds: Threshold[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const entry = item as Record<string, unknown>;
    const windowSeconds = entry.window_seconds;
    const minUnique = entry.min_unique_destinations;
    const maxAvg = entry.max_avg_duration_seconds;
    if (typeof windowSeconds === 'number' && typeof minUnique === 'number' && typeof maxAvg === 'number') {
      thresholds.push({ windowSeconds, minUniqueDestinations: minUnique, maxAvgDurationSeconds: maxAvg });
    }
  }
  return thresholds;
}

export interface RuleSettingsState {
  settings: RuleSettingsDoc;
  /** When/by whom the stored thresholds were last changed; null while the configuration's defaults apply. */
  updatedAt: string | null;
  updatedBy: string | null;
}

export async function loadRuleSettingsState(
  pool: pg.Pool,
  defaults: RuleSettingsDoc,
): Promise<RuleSettingsState> {
  const [settingsResult, allowlistResult, suppressionResult] = await Promise.all([
    pool.query<{ name: string; value: unknown; updated_at: Date; updated_by: string | null }>(
      'SELECT name, value, updated_at, updated_by FROM rule_settings WHERE name = ANY($1::text[])',
      [[THRESHOLDS_SETTING, COOLDOWN_SETTING]],
    ),
    pool.query<{ entry: string }>('SELECT entry FROM allowlist ORDER BY entry'),
    // Unexpired false-positive suppressions (PATCH /alerts/{id} with verdict false_positive).
    pool.query<{ suspect_number: string; until_ms: number }>(
      `SELECT suspect_number, floor(extract(epoch FROM until) * 1000)::float8 AS until_ms
         FROM case_suppressions WHERE until > now() ORDER BY suspect_number`,
    ),
  ]);
  const byName = new Map(settingsResult.rows.map((row) => [row.name, row]));
  const stored = storedThresholds(byName.get(THRESHOLDS_SETTING)?.value);
  const cooldown = byName.get(COOLDOWN_SETTING)?.value;
  const latest = settingsResult.rows.reduce<(typeof settingsResult.rows)[number] | undefined>(
    (newest, row) => (newest === undefined || row.updated_at > newest.updated_at ? row : newest),
    undefined,
  );
  const allowlist = new Set(defaults.allowlist);
  for (const row of allowlistResult.rows) allowlist.add(row.entry);
  return {
    settings: {
      // Only the windows this deployment runs; a stored window that is no longer configured is ignored.
      thresholds: defaults.thresholds.map(
        (fallback) => stored.find((entry) => entry.windowSeconds === fallback.windowSeconds) ?? fallback,
      ),
      allowlist: [...allowlist].sort(),
      cooldownSeconds: typeof cooldown === 'number' && cooldown >= 0 ? cooldown : defaults.cooldownSeconds,
      ...(defaults.cases === undefined ? {} : { cases: defaults.cases }),
      suppressions: suppressionResult.rows.map((row) => ({
        number: row.suspect_number,
        untilMs: Math.round(row.until_ms),
      })),
    },
    updatedAt: latest === undefined ? null : latest.updated_at.toISOString(),
    updatedBy: latest?.updated_by ?? null,
  };
}

/** The settings to run with: the stored ones over the configuration's defaults. Used by the engine at start. */
export async function loadRuleSettings(pool: pg.Pool, defaults: RuleSettingsDoc): Promise<RuleSettingsDoc> {
  return (await loadRuleSettingsState(pool, defaults)).settings;
}

async function upsertSetting(
  client: pg.Pool | pg.PoolClient,
  name: string,
  value: unknown,
  by: string,
): Promise<void> {
  await client.query(
    `INSERT INTO rule_settings (name, value, updated_at, updated_by) VALUES ($1, $2::jsonb, now(), $3)
     ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at,
       updated_by = EXCLUDED.updated_by`,
    [name, JSON.stringify(value), by],
  );
}

/** Stores thresholds (and the cooldown when given) in one transaction. */
export async function saveThresholds(
  pool: pg.Pool,
  thresholds: readonly Threshold[],
  cooldownSeconds: number | undefined,
  by: string,
): Promise<void> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    await client.query('BEGIN');
    await upsertSetting(
      client,
      THRESHOLDS_SETTING,
      thresholds.map((entry) => ({
        window_seconds: entry.windowSeconds,
        min_unique_destinations: entry.minUniqueDestinations,
        max_avg_duration_seconds: entry.maxAvgDurationSeconds,
      })),
      by,
    );
    if (cooldownSeconds !== undefined) await upsertSetting(client, COOLDOWN_SETTING, cooldownSeconds, by);
    await client.query('COMMIT');
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release(failure);
  }
}

export interface AllowlistEntry {
  entry: string;
  note: string | null;
  created_at: string | null;
  created_by: string | null;
  /** `config`: from ALLOWLIST, permanent; `api`: added through the API. */
  source: 'config' | 'api';
}

interface StoredAllowlistRow {
  entry: string;
  note: string | null;
  created_at: Date;
  created_by: string | null;
}

function fromStored(row: StoredAllowlistRow): AllowlistEntry {
  return { ...row, created_at: row.created_at.toISOString(), source: 'api' };
}

export async function listAllowlist(pool: pg.Pool, configured: readonly string[]): Promise<AllowlistEntry[]> {
  const result = await pool.query<StoredAllowlistRow>(
    'SELECT entry, note, created_at, created_by FROM allowlist ORDER BY entry',
  );
  const entries = new Map<string, AllowlistEntry>();
  for (const entry of configured) {
    entries.set(entry, {
      entry,
      note: 'from configuration (ALLOWLIST)',
      created_at: null,
      created_by: null,
      source: 'config',
    });
  }
  for (const row of result.rows) if (!entries.has(row.entry)) entries.set(row.entry, fromStored(row));
  return [...entries.values()].sort((a, b) => a.entry.localeCompare(b.entry));
}

/** Adds an entry, or updates its note when it exists; `created` says which. */
export async function upsertAllowlistEntry(
  pool: pg.Pool,
  entry: string,
  note: string | null,
  by: string,
): Promise<{ record: AllowlistEntry; created: boolean }> {
  const result = await pool.query<StoredAllowlistRow & { inserted: boolean }>(
    `INSERT INTO allowlist (entry, note, created_at, created_by) VALUES ($1, $2, now(), $3)
     ON CONFLICT (entry) DO UPDATE SET note = COALESCE(EXCLUDED.note, allowlist.note)
     RETURNING entry, note, created_at, created_by, (xmax = 0) AS inserted`,
    [entry, note, by],
  );
  const { inserted, ...row } = result.rows[0]!;
  return { record: fromStored(row), created: inserted };
}

/** Removes an entry added through the API; false when there was none. */
export async function removeAllowlistEntry(pool: pg.Pool, entry: string): Promise<boolean> {
  const result = await pool.query('DELETE FROM allowlist WHERE entry = $1', [entry]);
  return (result.rowCount ?? 0) > 0;
}
