/** Postgres reachability and the API pool's use, for /health/detailed and the pool gauge. */
import type pg from 'pg';

export interface PoolUsage {
  total: number;
  idle: number;
  waiting: number;
  max: number;
  /** In-use connections over the maximum, 0..1. */
  utilization: number;
}

export function poolUsage(pool: pg.Pool): PoolUsage {
  const max = pool.options.max ?? 10;
  const inUse = pool.totalCount - pool.idleCount;
  return {
    total: pool.totalCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
    max,
    utilization: max > 0 ? Math.min(1, inUse / max) : 0,
  };
}

export type DatabasePing = { ok: true; latencyMs: number } | { ok: false; error: string };

/** `SELECT 1` with a deadline, so a hung database makes the check fail rather than hang the probe. */
export async function pingDatabase(pool: pg.Pool, timeoutMs = 2_000): Promise<DatabasePing> {
  const startedAt = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      pool.query('SELECT 1'),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round((performance.now() - startedAt) * 100) / 100 };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
