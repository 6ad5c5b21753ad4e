/**
 * The predecessor's SDHF detection as it ran it: one GROUP BY over `call_records` for a trailing window,
 * filtered on `call_timestamp` (its column name; ours is a generated copy of `start_time`), callers with more
 * than N distinct callees and an average duration under D seconds. Written here from its documented
 * behaviour (docs/design.md §7), not copied.
 */
import type pg from 'pg';

export interface SeedSuspect {
  caller: string;
  callCount: number;
  uniqueDestinations: number;
  avgDurationSeconds: number;
}

export interface SeedQueryOptions {
  /** Table to read; `call_records` unless the quality benchmark's arrival-stamped copy. */
  table?: string;
  windowStart: Date;
  windowEnd: Date;
  minUniqueDestinations: number;
  maxAvgDurationSeconds: number;
  /** Only rows that had arrived by this instant (a batch job sees what was loaded before it ran). */
  arrivedBy?: Date;
}

export async function seedSdhfQuery(
  db: pg.Pool | pg.ClientBase,
  options: SeedQueryOptions,
): Promise<SeedSuspect[]> {
  const table = options.table ?? 'call_records';
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new RangeError(`table ${table} is not a plain identifier`);
  const params: unknown[] = [
    options.windowStart,
    options.windowEnd,
    options.minUniqueDestinations,
    options.maxAvgDurationSeconds,
  ];
  let arrival = '';
  if (options.arrivedBy !== undefined) {
    params.push(options.arrivedBy);
    arrival = ' AND arrived_at <= $5';
  }
  const result = await db.query<{
    caller: string;
    call_count: number;
    unique_destinations: number;
    avg_duration: number;
  }>(
    `SELECT caller_number AS caller, count(*)::int AS call_count,
            count(DISTINCT callee_number)::int AS unique_destinations,
            avg(duration_seconds)::float8 AS avg_duration
       FROM ${table}
      WHERE call_timestamp >= $1 AND call_timestamp < $2${arrival}
      GROUP BY caller_number
     HAVING count(DISTINCT callee_number) > $3 AND avg(duration_seconds) < $4
      ORDER BY unique_destinations DESC`,
    params,
  );
  return result.rows.map((row) => ({
    caller: row.caller,
    callCount: row.call_count,
    uniqueDestinations: row.unique_destinations,
    avgDurationSeconds: row.avg_duration,
  }));
}
