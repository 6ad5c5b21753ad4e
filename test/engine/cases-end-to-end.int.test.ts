/**
 * Cases through the real pipeline (engine → sink → Postgres and NATS): SDHF callers get one `cases` row each,
 * whatever the number of window-level alerts; the history opens on the CDR of the first alert; no ordinary
 * caller gets a case; every stored case event reaches `sentinel.cases.>`.
 */
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/engine/index.js';
import { cdrSubject } from '../../src/stream/index.js';
import { partitionOf } from '../../src/codec/index.js';
import { mixedStream } from '../support/cdr-builders.js';
import { eventually, startTestService, startTestStack, type TestStack } from '../support/service-fixture.js';

describe('cases end to end', () => {
  let stack: TestStack;
  let service: Service;
  let nc: NatsConnection;

  beforeAll(async () => {
    stack = await startTestStack();
    service = await startTestService(stack);
    nc = await connect({ servers: stack.natsUrl });
  });

  afterAll(async () => {
    await nc?.close();
    await service?.stop();
    await stack?.cleanup();
  });

  it('one case per SDHF caller, opened on the CDR of its first alert, and none for ordinary callers', async () => {
    const stream = mixedStream({ nowMs: Date.now(), sdhfCallers: 3, normalCallers: 200 });
    const published: string[] = [];
    const sub = nc.subscribe('sentinel.cases.>', {
      callback: (_error, msg) => {
        published.push(msg.json<{ event_key: string }>().event_key);
      },
    });
    const js = jetstream(nc);
    for (const record of stream.records) {
      const partition = record.caller === '0' ? 0 : partitionOf(record.caller, 4);
      await js.publish(cdrSubject(partition), record.json, { msgID: record.callId });
    }
    await eventually('all valid records committed', async () => {
      const result = await service.pool.query<{ n: string }>('SELECT count(*) AS n FROM call_records');
      return Number(result.rows[0]?.n) >= stream.validCallIds.size;
    });
    await eventually('a case for every SDHF caller', async () => {
      const result = await service.pool.query<{ n: string }>('SELECT count(*) AS n FROM cases');
      return Number(result.rows[0]?.n) >= stream.sdhfCallers.length;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    sub.unsubscribe();

    const cases = await service.pool.query<{ suspect_number: string; case_key: string; status: string }>(
      'SELECT suspect_number, case_key, status FROM cases ORDER BY suspect_number',
    );
    expect(cases.rows.map((row) => row.suspect_number)).toEqual([...stream.sdhfCallers].sort());
    const alerts = await service.pool.query<{ suspect_number: string; n: string; first_at: Date }>(
      `SELECT suspect_number, count(*) AS n, min(last_event_at) AS first_at FROM fraud_alerts GROUP BY 1`,
    );
    for (const row of cases.rows) {
      const alerted = alerts.rows.find((a) => a.suspect_number === row.suspect_number)!;
      expect(Number(alerted.n)).toBeGreaterThanOrEqual(1);
      // The case key carries the event time of the CDR that opened it: the one behind the first alert.
      expect(row.case_key).toBe(`sdhf:${row.suspect_number}:${alerted.first_at.getTime()}`);
      expect(row.status).toBe('open');
    }
    const events = await service.pool.query<{ event_key: string; kind: string; sequence: number }>(
      'SELECT event_key, kind, sequence FROM case_events ORDER BY case_key, sequence',
    );
    expect(events.rows.filter((e) => e.kind === 'opened')).toHaveLength(stream.sdhfCallers.length);
    expect(events.rows.filter((e) => e.sequence === 0).every((e) => e.kind === 'opened')).toBe(true);
    expect(new Set(published)).toEqual(new Set(events.rows.map((e) => e.event_key)));
  }, 120_000);
});
