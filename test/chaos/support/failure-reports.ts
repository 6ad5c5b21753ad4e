/**
 * What a failed chaos scenario says besides "timed out" or "count differs": which records are missing where,
 * what Postgres sessions are doing, and which partitions each engine holds in which state.
 */
import type pg from 'pg';
import type { EngineProcess } from '../../support/engine-process.js';
import { partitionOfRecord, type TestRecord } from './lane-publisher.js';

/** Which published valid records are not in call_records, by partition, with the stored offsets. */
export async function missingRows(
  pool: pg.Pool,
  records: readonly TestRecord[],
  validCallIds: ReadonlySet<string>,
  partitions: number,
): Promise<string> {
  const stored = await pool.query<{ call_id: string }>('SELECT call_id FROM call_records');
  const have = new Set(stored.rows.map((row) => row.call_id));
  const missing = records.filter((r) => validCallIds.has(r.callId) && !have.has(r.callId));
  const byPartition = new Map<number, string[]>();
  for (const record of missing) {
    const partition = partitionOfRecord(record, partitions);
    byPartition.set(partition, [...(byPartition.get(partition) ?? []), record.callId]);
  }
  const offsets = await pool.query('SELECT partition, last_seq, epoch, owner FROM sink_offsets ORDER BY 1');
  const lines = [...byPartition].map(
    ([partition, ids]) => `p${partition}: ${ids.length} missing, e.g. ${ids.slice(0, 5).join(', ')}`,
  );
  return ` (missing ${missing.length}: ${lines.join('; ')}; offsets ${JSON.stringify(offsets.rows)})`;
}

/** Postgres sessions of the run's database and each engine's partition states, leases and sink breaker. */
export async function stallReport(
  pool: pg.Pool,
  engines: readonly (EngineProcess & { name: string; pid: number })[],
): Promise<string> {
  const sessions = await pool
    .query(
      `SELECT application_name, state, wait_event_type, wait_event, left(query, 100) AS query
         FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    )
    .then((result) => JSON.stringify(result.rows))
    .catch((error: unknown) => String(error));
  const states = await Promise.all(
    engines.map(async (engine) => {
      const text = await fetch(`${engine.httpUrl}/metrics`)
        .then((response) => response.text())
        .catch(() => '');
      const lines = text
        .split('\n')
        .filter((line) => /^sentinel_(partition_state|partition_leases_held|sink_circuit)/.test(line))
        .filter((line) => !line.endsWith(' 0'));
      return `${engine.name} (${engine.pid}): ${lines.join(' | ')}`;
    }),
  );
  return `postgres sessions: ${sessions}\n${states.join('\n')}`;
}
