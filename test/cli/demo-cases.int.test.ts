/**
 * The demo's case summary: counted from case events on NATS (one per case key, whatever the number of events),
 * else from the `cases` table, else reported as none — and always saying which.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoCaseWatcher } from '../../src/cli/demo-cases.js';
import { migrate } from '../../src/sinks/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { connectTestNats, uniqueName } from '../support/nats.js';

describe('demo case summary', () => {
  let nc: NatsConnection;
  let database: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    nc = await connectTestNats();
    database = await createTestDatabase('demo_cases');
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
  });

  afterAll(async () => {
    await pool.end();
    await database.drop();
    await nc.close();
  });

  it('reports none when neither NATS nor the database has a case', async () => {
    const watcher = new DemoCaseWatcher(nc, `${uniqueName('cases')}.>`);
    expect(await watcher.summarize(pool)).toEqual({
      source: 'none',
      suspects: 0,
      cases: 0,
      perSuspect: {},
      events: {},
    });
  });

  it('counts one case per case key from the events on NATS, and ignores what is not a case event', async () => {
    const prefix = uniqueName('cases');
    const watcher = new DemoCaseWatcher(nc, `${prefix}.>`);
    const send = (kind: string, caseKey: string, suspect: string): void =>
      nc.publish(
        `${prefix}.sdhf.${kind}`,
        JSON.stringify({ case_key: caseKey, suspect_number: suspect, kind }),
      );
    send('opened', 'sdhf:111:1', '111');
    send('updated', 'sdhf:111:1', '111');
    send('closed', 'sdhf:111:1', '111');
    send('reopened', 'sdhf:111:1', '111');
    send('opened', 'sdhf:222:5', '222');
    send('opened', 'sdhf:222:900', '222');
    nc.publish(`${prefix}.sdhf.opened`, 'not json');
    nc.publish(`${prefix}.sdhf.opened`, JSON.stringify({ kind: 'opened' }));
    await nc.flush();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await watcher.summarize(pool)).toEqual({
      source: 'nats',
      suspects: 2,
      cases: 3,
      perSuspect: { '111': 1, '222': 2 },
      events: { opened: 3, updated: 1, closed: 1, reopened: 1 },
    });
  });

  it('falls back to the cases table when no event came on NATS', async () => {
    await migrate(pool, pino({ level: 'silent' }));
    await pool.query(
      `INSERT INTO cases (case_key, rule, alert_type, detection_rule, suspect_number, status, severity, peak_severity,
         trigger_window_seconds, call_count, unique_destinations, avg_duration_seconds, evidence_summary, evidence,
         peak_evidence, opened_at, last_event_at, last_sequence, stream_partition)
       SELECT 'sdhf:' || s || ':0', 'sdhf', 'SDHF_SIMBOX', 'SDHF_001', s, 'open', 'HIGH', 'HIGH', 600, 60, 60, 1.0,
         'x', '{}', '{}', now(), now(), 0, 0
       FROM unnest(ARRAY['333', '444']) AS s`,
    );
    const watcher = new DemoCaseWatcher(nc, `${uniqueName('cases')}.>`);
    expect(await watcher.summarize(pool)).toMatchObject({
      source: 'database',
      suspects: 2,
      cases: 2,
      perSuspect: { '333': 1, '444': 1 },
    });
  });
});
