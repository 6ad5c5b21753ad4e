/**
 * The live pipeline end to end against real nats-server and Postgres: a mixed stream goes in; alerts come out
 * on NATS with the right severities, every valid record lands in call_records exactly once, invalid ones in
 * dead_letters and CDR_DLQ.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/engine/index.js';
import { cdrSubject } from '../../src/stream/index.js';
import { partitionOf } from '../../src/codec/index.js';
import type { AlertMessage } from '../../src/windows/index.js';
import { mixedStream } from '../support/cdr-builders.js';
import { eventually, startTestService, startTestStack, type TestStack } from '../support/service-fixture.js';

describe('pipeline end to end', () => {
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

  it('alerts SDHF callers, stores every valid record once and dead-letters the invalid ones', async () => {
    const stream = mixedStream({ nowMs: Date.now(), sdhfCallers: 3, normalCallers: 200 });
    const alerts: { subject: string; alert: AlertMessage }[] = [];
    const sub = nc.subscribe('sentinel.alerts.>', {
      callback: (_error, msg) => {
        alerts.push({ subject: msg.subject, alert: msg.json<AlertMessage>() });
      },
    });
    const js = jetstream(nc);
    for (const record of stream.records) {
      const partition = record.caller === '0' ? 0 : partitionOf(record.caller, 4);
      await js.publish(cdrSubject(partition), record.json, { msgID: record.callId });
    }
    // Switch duplicates: same call_id, new message id (JetStream's dedup does not see them).
    for (const record of stream.records.slice(0, 25)) {
      await js.publish(cdrSubject(partitionOf(record.caller, 4)), record.json, {
        msgID: `${record.callId}-resent`,
      });
    }

    await eventually('all valid records committed', async () => {
      const result = await service.pool.query<{ n: string }>('SELECT count(*) AS n FROM call_records');
      return Number(result.rows[0]?.n) >= stream.validCallIds.size;
    });
    await eventually('dead letters committed', async () => {
      const result = await service.pool.query<{ n: string }>('SELECT count(*) AS n FROM dead_letters');
      return Number(result.rows[0]?.n) >= stream.invalidCount;
    });
    await new Promise((resolve) => setTimeout(resolve, 500)); // anything extra (a duplicate) would land now

    const rows = await service.pool.query<{ total: string; distinct_ids: string }>(
      'SELECT count(*) AS total, count(DISTINCT call_id) AS distinct_ids FROM call_records',
    );
    expect(Number(rows.rows[0]?.total)).toBe(stream.validCallIds.size);
    expect(Number(rows.rows[0]?.distinct_ids)).toBe(stream.validCallIds.size);

    const dead = await service.pool.query<{ reason: string }>('SELECT reason FROM dead_letters ORDER BY id');
    expect(dead.rows.map((r) => r.reason).sort()).toEqual(['bad_duration', 'invalid_caller', 'invalid_json']);
    const dlq = await (await jetstreamManager(nc)).streams.info('CDR_DLQ');
    expect(dlq.state.messages).toBe(stream.invalidCount);

    await eventually('alerts delivered', async () => alerts.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    sub.unsubscribe();
    const alerted = new Set(alerts.map((a) => a.alert.suspect_number));
    for (const caller of stream.sdhfCallers) expect(alerted.has(caller)).toBe(true);
    for (const caller of stream.normalCallers) expect(alerted.has(caller)).toBe(false);
    for (const { subject, alert } of alerts) {
      expect(subject).toBe(`sentinel.alerts.${alert.rule}.${alert.alert_severity.toLowerCase()}`);
      expect(alert.alert_type).toBe('SDHF_SIMBOX');
      expect(alert.detection_rule).toBe('SDHF_001');
    }
    const stored = await service.pool.query<{ alert_key: string }>('SELECT alert_key FROM fraud_alerts');
    expect(new Set(stored.rows.map((r) => r.alert_key))).toEqual(
      new Set(alerts.map((a) => a.alert.alert_key)),
    );

    // The first 25 records are valid SDHF calls: each re-send is a duplicate, counted once.
    const duplicates = async (): Promise<number> =>
      Number(/^sentinel_cdr_records_duplicate_total (\d+)/m.exec(await service.metrics.text())?.[1] ?? 0);
    await eventually('duplicate counter reported', async () => (await duplicates()) >= 25);
    expect(await duplicates()).toBe(25);
  }, 120_000);
});
