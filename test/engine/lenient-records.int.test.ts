/**
 * Real switch feeds through the live engine (real nats-server, Postgres and shard workers): a day of CDRs whose
 * only quirk was `"cause":"16"` once went 100% to the dead-letter queue. String-typed records must be stored
 * like typed ones, and a bad optional field must cost only that field, counted by
 * `sentinel_cdr_fields_dropped_total{field,reason}`, never the record.
 */
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../src/codec/index.js';
import type { Service } from '../../src/engine/index.js';
import { cdrSubject } from '../../src/stream/index.js';
import { eventually, startTestService, startTestStack, type TestStack } from '../support/service-fixture.js';

describe('lenient records through the live engine', () => {
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

  it('stores string-typed records and records with a bad optional field, and counts the dropped fields', async () => {
    const startSeconds = Math.floor(Date.now() / 1000) - 600;
    const records = [
      // FreeSWITCH-style: every value a string, epoch seconds.
      {
        call_id: 'lenient-strings',
        caller: '2348011111111',
        callee: '2348022222222',
        start: String(startSeconds),
        duration: '42',
        answered: 'true',
        cause: '16',
      },
      // Valid in every required field; two optional fields unusable.
      {
        call_id: 'lenient-dropped',
        caller: 2348011111111,
        callee: '+2348033333333',
        start: String(startSeconds * 1_000_000),
        duration: 7,
        answered: 'yes',
        cell: 'C'.repeat(65),
        trunk_in: 'TRK-7',
      },
      // A required field unusable: still dead-lettered.
      {
        call_id: 'lenient-bad',
        caller: '2348011111111',
        callee: '2348044444444',
        start: 'soon',
        duration: 1,
      },
    ];
    const js = jetstream(nc);
    for (const record of records) {
      await js.publish(cdrSubject(partitionOf('2348011111111', 4)), JSON.stringify(record), {
        msgID: record.call_id,
      });
    }

    await eventually('both valid records committed', async () => {
      const result = await service.pool.query<{ n: string }>('SELECT count(*) AS n FROM call_records');
      return Number(result.rows[0]?.n) === 2;
    });
    const rows = await service.pool.query<{
      call_id: string;
      start_time: Date;
      duration_seconds: number;
      answered: boolean | null;
      termination_cause: number | null;
      location_code: string | null;
      trunk_in: string | null;
    }>(
      'SELECT call_id, start_time, duration_seconds, answered, termination_cause, location_code, trunk_in ' +
        'FROM call_records ORDER BY call_id',
    );
    expect(rows.rows).toEqual([
      {
        call_id: 'lenient-dropped',
        start_time: new Date(startSeconds * 1000),
        duration_seconds: 7,
        answered: null,
        termination_cause: null,
        location_code: null,
        trunk_in: 'TRK-7',
      },
      {
        call_id: 'lenient-strings',
        start_time: new Date(startSeconds * 1000),
        duration_seconds: 42,
        answered: true,
        termination_cause: 16,
        location_code: null,
        trunk_in: null,
      },
    ]);

    await eventually('dead letter committed', async () => {
      const result = await service.pool.query<{ reason: string }>('SELECT reason FROM dead_letters');
      return result.rows.length === 1 && result.rows[0]?.reason === 'invalid_start';
    });

    const dropped = async (field: string, reason: string): Promise<number> => {
      const line = new RegExp(
        `^sentinel_cdr_fields_dropped_total\\{field="${field}",reason="${reason}"\\} (\\d+)`,
        'm',
      );
      return Number(line.exec(await service.metrics.text())?.[1] ?? 0);
    };
    await eventually('dropped fields reported', async () => (await dropped('cell', 'too_long')) === 1);
    expect(await dropped('answered', 'invalid_value')).toBe(1);
  }, 120_000);
});
