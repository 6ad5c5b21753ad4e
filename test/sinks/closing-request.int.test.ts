/**
 * The closing request (batch-commit.ts): alerts, case events, the offset advance and COMMIT go to Postgres as
 * one simple-protocol request with their values inlined. Against the real server: a statement that fails in
 * the middle of it leaves nothing of the batch (the alerts before it included) and the retry stores everything
 * once; quotes and backslashes survive the literals; each statement's result is read as its own whichever
 * statements the batch has; the case fold is prepared once per connection, again after the connection is
 * replaced, and sent as plain SQL once the server is found without it (a pooler in transaction mode).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Batch } from '../../src/sinks/index.js';
import type { CaseEvent } from '../../src/windows/index.js';
import { resetStoreAndFoldPreparation } from '../../src/sinks/case-events-commit.js';
import { caseEvents } from '../support/case-events.js';
import {
  BASE_MS,
  alertMessage,
  committedOffsets,
  countRows,
  createMigratedDatabase,
  fastRetryWriter,
  recordRow,
  type MigratedDatabase,
} from './support/sink-fixtures.js';

/** One record at `seq` of `partition` and a case's events: a batch whose closing request holds the fold. */
function caseBatch(partition: number, seq: number, events: readonly CaseEvent[], tag: string): Batch {
  return {
    records: [recordRow(partition, seq, { callId: `${tag}-${seq}` })],
    alerts: [],
    deadLetters: [],
    offsets: new Map(),
    caseEvents: events,
    caseEventPartitions: events.map(() => partition),
  };
}

const ODD_SUMMARY = `Caller's "burst" \\ 120 calls — 101 numbers \\n in 1h`;

describe('the closing request of a batch', () => {
  let database: MigratedDatabase;

  const writer = (consumer: string, onRetry: (error: unknown) => void = () => undefined) =>
    fastRetryWriter(database, consumer, { onRetry });

  const alertIds = async (keys: readonly string[]): Promise<Map<string, number>> => {
    const result = await database.pool.query<{ id: string; alert_key: string }>(
      'SELECT id, alert_key FROM fraud_alerts WHERE alert_key = ANY($1::text[])',
      [keys],
    );
    return new Map(result.rows.map((row) => [row.alert_key, Number(row.id)]));
  };

  beforeAll(async () => {
    database = await createMigratedDatabase();
  });

  afterAll(async () => {
    await database.close();
  });

  it('rolls back the alerts it inserted when a later statement fails, and the retry stores all once', async () => {
    // Fails the first insert into `cases` (the case statement, after the alert statement), then never again: a
    // sequence is not rolled back with the transaction, so the retry passes.
    await database.pool.query(`
      CREATE SEQUENCE cases_fault_once;
      CREATE FUNCTION cases_fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('cases_fault_once') = 1 THEN RAISE EXCEPTION 'injected: cases insert failed'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER cases_fail_once BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION cases_fail_once();`);
    const alerts = [
      alertMessage('sdhf:600:2348012345678:0:0', { evidence_summary: ODD_SUMMARY }),
      alertMessage('sdhf:3600:2348012345678:0:0'),
    ];
    const events = caseEvents('2348012345678', BASE_MS);
    const batch: Batch = {
      records: Array.from({ length: 50 }, (_v, i) => recordRow(3, i + 1, { callId: `closing-${i + 1}` })),
      alerts,
      alertPartitions: [3, 3],
      deadLetters: [],
      offsets: new Map(),
      caseEvents: events,
      caseEventPartitions: events.map(() => 3),
    };
    const errors: unknown[] = [];
    const sink = writer('closing-fault', (error) => errors.push(error));
    try {
      const stats = await sink.write(batch);
      expect(errors.map((error) => String(error))).toEqual([
        expect.stringContaining('injected: cases insert failed'),
      ]);
      expect(stats).toMatchObject({
        attempts: 2,
        recordsWritten: 50,
        alertsInserted: 2,
        caseEventsInserted: events.length,
      });
      // The ids the request read back are the rows' own.
      expect(stats.insertedAlertIds).toEqual(await alertIds(alerts.map((alert) => alert.alert_key)));
      const stored = await database.pool.query<{ id: string; event_key: string; case_id: string }>(
        `SELECT e.id, e.event_key, c.id AS case_id FROM case_events e JOIN cases c USING (case_key)`,
      );
      expect(
        stats.storedCaseEvents.map(({ event, eventId, caseId }) => [event.eventKey, eventId, caseId]),
      ).toEqual(
        events.map((event) => {
          const row = stored.rows.find((candidate) => candidate.event_key === event.eventKey)!;
          return [event.eventKey, Number(row.id), Number(row.case_id)];
        }),
      );
    } finally {
      await sink.close();
      await database.pool.query('DROP TRIGGER cases_fail_once ON cases');
    }
    expect(await countRows(database.pool, 'call_records')).toBe(50);
    expect(await countRows(database.pool, 'fraud_alerts')).toBe(2);
    expect(await countRows(database.pool, 'case_events')).toBe(events.length);
    const caseRow = await database.pool.query<{ event_count: number }>('SELECT event_count FROM cases');
    expect(caseRow.rows).toEqual([{ event_count: events.length }]);
    expect((await committedOffsets(database.pool, 'closing-fault')).get(3)).toBe(50);
    const summary = await database.pool.query<{ evidence_summary: string }>(
      'SELECT evidence_summary FROM fraud_alerts WHERE alert_key = $1',
      ['sdhf:600:2348012345678:0:0'],
    );
    expect(summary.rows[0]?.evidence_summary).toBe(ODD_SUMMARY);
  });

  it('reads each statement as its own: alerts alone, case events alone, both, and neither', async () => {
    const sink = writer('closing-shapes');
    const base = { records: [], deadLetters: [], offsets: new Map<number, number>() };
    try {
      const alertsOnly = await sink.write({
        ...base,
        alerts: [alertMessage('sdhf:600:2348099999991:0:0', { suspect_number: '2348099999991' })],
        alertPartitions: [4],
        offsets: new Map([[4, 10]]),
      });
      expect(alertsOnly.insertedAlertIds).toEqual(await alertIds(['sdhf:600:2348099999991:0:0']));
      expect(alertsOnly.storedCaseEvents).toEqual([]);

      const events = caseEvents('2348099999992', BASE_MS + 60_000);
      const casesOnly = await sink.write({
        ...base,
        alerts: [],
        caseEvents: events,
        caseEventPartitions: events.map(() => 4),
        offsets: new Map([[4, 20]]),
      });
      expect(casesOnly.insertedAlertIds.size).toBe(0);
      expect(casesOnly.storedCaseEvents.map(({ event }) => event.eventKey)).toEqual(
        events.map((event) => event.eventKey),
      );

      // Stored again (a retried batch): nothing inserted, both read as empty, the offset does not move back.
      const again = await sink.write({
        ...base,
        alerts: [alertMessage('sdhf:600:2348099999991:0:0', { suspect_number: '2348099999991' })],
        alertPartitions: [4],
        caseEvents: events,
        caseEventPartitions: events.map(() => 4),
        offsets: new Map([[4, 15]]),
      });
      expect(again).toMatchObject({ alertsInserted: 0, alertsDuplicate: 1, caseEventsInserted: 0 });
      expect((await committedOffsets(database.pool, 'closing-shapes')).get(4)).toBe(20);

      const neither = await sink.write({ ...base, alerts: [], offsets: new Map([[4, 30]]) });
      expect(neither).toMatchObject({ alertsInserted: 0, caseEventsInserted: 0 });
      expect((await committedOffsets(database.pool, 'closing-shapes')).get(4)).toBe(30);
    } finally {
      await sink.close();
    }
  });

  it('prepares the case fold once per connection, and again on the connection that replaces a killed one', async () => {
    // Every client the writer opens records the SQL it is sent.
    const sent: { client: number; text: string }[] = [];
    const pids: number[] = [];
    let clients = 0;
    const sink = fastRetryWriter(database, 'closing-prepared', {
      clientFactory: (config) => {
        const client = new pg.Client(config);
        const id = (clients += 1);
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
          const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: unknown } | null)?.text;
          if (typeof text === 'string') sent.push({ client: id, text });
          if (typeof text === 'string' && text.startsWith('BEGIN'))
            pids[id] = (client as unknown as { processID: number }).processID;
          return query(...args);
        };
        return client;
      },
    });
    const batchFor = (caller: string, seq: number): Batch =>
      caseBatch(6, seq, caseEvents(caller, BASE_MS + seq * 60_000), 'prepared');
    const prepares = (client: number) =>
      sent.filter(
        (entry) => entry.client === client && entry.text.startsWith('PREPARE sentinel_store_and_fold'),
      );
    const executes = (client: number) =>
      sent.filter(
        (entry) => entry.client === client && entry.text.includes('EXECUTE sentinel_store_and_fold('),
      );
    try {
      const first = await sink.write(batchFor('2348077777771', 1));
      const second = await sink.write(batchFor('2348077777772', 2));
      expect(first.caseEventsInserted).toBeGreaterThan(0);
      expect(second.caseEventsInserted).toBe(first.caseEventsInserted);
      expect(prepares(1)).toHaveLength(1);
      expect(executes(1)).toHaveLength(2);

      // The session and its prepared statement die; the next batch runs on a new connection.
      await database.pool.query('SELECT pg_terminate_backend($1)', [pids[1]]);
      const third = await sink.write(batchFor('2348077777773', 3));
      expect(third.caseEventsInserted).toBe(first.caseEventsInserted);
      expect(clients).toBe(2);
      expect(prepares(2)).toHaveLength(1);
      expect(executes(2)).toHaveLength(1);
    } finally {
      await sink.close();
    }
    const stored = await database.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM case_events WHERE case_key LIKE '%:234807777777%'`,
    );
    expect(Number(stored.rows[0]?.n)).toBe(caseEvents('2348077777771', BASE_MS).length * 3);
    expect((await committedOffsets(database.pool, 'closing-prepared')).get(6)).toBe(3);
  });

  it('sends the fold as plain SQL from then on when the server lost the prepared statement (a pooler)', async () => {
    // A pooler in transaction mode runs the PREPARE on one server connection and the batch on another: here the
    // PREPARE never reaches the server at all, which is what the batch's connection then sees.
    const sent: string[] = [];
    const errors: unknown[] = [];
    const sink = fastRetryWriter(database, 'closing-pooler', {
      onRetry: (error) => errors.push(error),
      clientFactory: (config) => {
        const client = new pg.Client(config);
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
          const text = typeof args[0] === 'string' ? args[0] : undefined;
          if (text !== undefined) sent.push(text);
          if (text?.startsWith('PREPARE sentinel_store_and_fold') === true)
            return Promise.resolve({ rows: [] });
          return query(...args);
        };
        return client;
      },
    });
    const events = caseEvents('2348066666661', BASE_MS);
    const batch = (seq: number, caseEventsOf: readonly CaseEvent[]): Batch =>
      caseBatch(7, seq, caseEventsOf, 'pooler');
    try {
      const first = await sink.write(batch(1, events));
      expect(first).toMatchObject({ attempts: 2, recordsWritten: 1, caseEventsInserted: events.length });
      expect(errors.map((error) => String(error))).toEqual([
        expect.stringContaining('pooler in transaction mode'),
      ]);
      const later = caseEvents('2348066666662', BASE_MS);
      const second = await sink.write(batch(2, later));
      expect(second).toMatchObject({ attempts: 1, caseEventsInserted: later.length });
      // One EXECUTE (the attempt that failed), one PREPARE before it, and plain SQL ever since.
      expect(sent.filter((text) => text.includes('EXECUTE sentinel_store_and_fold('))).toHaveLength(1);
      expect(sent.filter((text) => text.startsWith('PREPARE sentinel_store_and_fold'))).toHaveLength(1);
    } finally {
      await sink.close();
      resetStoreAndFoldPreparation();
    }
    expect((await committedOffsets(database.pool, 'closing-pooler')).get(7)).toBe(2);
  });
});
