/**
 * Real switch feeds through the live engine (real nats-server, Postgres and shard workers): a day of CDRs whose
 * only quirk was `"cause":"16"` once went 100% to the dead-letter queue. String-typed records must be stored
 * like typed ones, and a bad optional field must cost only that field, counted by
 * `sentinel_cdr_fields_dropped_total{field,reason}`, never the record. A whole feed written as strings gives the
 * same rows and the same alerts as its typed twin; a switch that sends mostly malformed records shows up by
 * name, with its reason, in detailed health (degraded) and in the per-source metrics.
 */
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/api/index.js';
import { partitionOf } from '../../src/codec/index.js';
import type { Service } from '../../src/engine/index.js';
import { cdrSubject } from '../../src/stream/index.js';
import { eventually, startTestService, startTestStack, type TestStack } from '../support/service-fixture.js';
import { FEED_SWITCH, STRING_CALLER, TYPED_CALLER, sameFeedTwice } from './support/string-typed-feed.js';

const KEY = 'lenient-records-test-key';
const PARTITIONS = 4;

describe('lenient records through the live engine', () => {
  let stack: TestStack;
  let service: Service;
  let nc: NatsConnection;

  beforeAll(async () => {
    stack = await startTestStack();
    service = await startTestService(stack, { API_KEYS: `tester:${hashApiKey(KEY)}` }, true);
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

  /** Every column but the ids (call_id, caller, where it was stored), in call order. */
  const rowsOf = async (caller: string): Promise<Record<string, unknown>[]> => {
    const result = await service.pool.query<Record<string, unknown>>(
      'SELECT * FROM call_records WHERE caller_number = $1 ORDER BY start_time, callee_number',
      [caller],
    );
    return result.rows.map((row) => {
      const { call_id, caller_number, stream_partition, stream_seq, ingested_at, ...columns } = row;
      expect([call_id, caller_number, stream_partition, stream_seq, ingested_at]).not.toContain(undefined);
      return columns;
    });
  };

  /** Every figure of the caller's alerts; the caller's own number is masked in the evidence text. */
  const alertsOf = async (caller: string): Promise<Record<string, unknown>[]> => {
    const result = await service.pool.query<Record<string, unknown>>(
      'SELECT alert_type, detection_rule, rule, window_seconds, alert_severity, call_count, ' +
        'unique_destinations, avg_duration_seconds, window_start, window_end, first_event_at, last_event_at, ' +
        "reason, source, replace(evidence_summary, $1, 'N') AS evidence FROM fraud_alerts " +
        'WHERE suspect_number = $1 ORDER BY window_seconds, call_count, alert_severity',
      [caller],
    );
    return result.rows;
  };

  it('stores a feed written entirely as strings exactly like its typed twin, and alerts it the same', async () => {
    const startSeconds = Math.floor(Date.now() / 1_000) - 900;
    const { typed, strings } = sameFeedTwice(startSeconds);
    const js = jetstream(nc);
    // Interleaved, so each caller's records arrive in the same order relative to the other's.
    for (let k = 0; k < typed.length; k++) {
      for (const record of [typed[k]!, strings[k]!]) {
        const caller = String(record.caller).replace(/^\+/, '');
        await js.publish(cdrSubject(partitionOf(caller, PARTITIONS)), JSON.stringify(record), {
          msgID: String(record.call_id),
        });
      }
    }
    await eventually('both feeds committed', async () => {
      const [a, b] = await Promise.all([rowsOf(TYPED_CALLER), rowsOf(STRING_CALLER)]);
      return a.length === typed.length && b.length === strings.length;
    });
    const typedRows = await rowsOf(TYPED_CALLER);
    expect(await rowsOf(STRING_CALLER)).toEqual(typedRows);
    // The comparison means something: every optional column was read, none left empty.
    expect(typedRows[3]).toMatchObject({
      callee_number: '2348062000003',
      start_time: new Date((startSeconds + 6) * 1_000),
      duration_seconds: 1,
      answered: false,
      call_direction: 'outbound',
      termination_cause: 19,
      location_code: 'LAG-3',
      imsi: '621200000000003',
      imei: '356938030000003',
      switch_id: FEED_SWITCH,
      trunk_in: 'TRK-IN-1',
      trunk_out: 'TRK-OUT-9',
      late: false,
    });
    expect(typedRows.filter((row) => row.answered === true && row.termination_cause === 16)).toHaveLength(55);

    await eventually('both callers alerted', async () => {
      const [a, b] = await Promise.all([alertsOf(TYPED_CALLER), alertsOf(STRING_CALLER)]);
      return a.length > 0 && a.length === b.length;
    });
    const typedAlerts = await alertsOf(TYPED_CALLER);
    expect(await alertsOf(STRING_CALLER)).toEqual(typedAlerts);
    expect(typedAlerts[0]).toMatchObject({ window_seconds: 600, unique_destinations: 51, call_count: 51 });
    expect(typedAlerts[0]?.avg_duration_seconds).toBe(1);
  }, 120_000);

  it('names a switch that sends mostly malformed records in detailed health and in the metrics', async () => {
    const detailed = async (): Promise<DetailedHealth> => {
      const response = await fetch(`${service.httpUrl}/api/v1/sentinel/health/detailed`, {
        headers: { 'x-api-key': KEY },
      });
      expect(response.status).toBe(200);
      return (await response.json()) as DetailedHealth;
    };
    // Only the three records of the first test have no switch (one rejected): under the minimum, healthy.
    const before = await detailed();
    expect(before.status).toBe('healthy');
    expect(before.checks.sources.by_source.find((s) => s.source === 'unknown')).toMatchObject({
      records: 3,
      rejected: 1,
      status: 'ok',
    });

    const startMs = Date.now() - 600_000;
    const js = jetstream(nc);
    const brokenRejected = { invalid_start: 0, missing_field: 0 };
    for (let k = 0; k < 150; k++) {
      const caller = `2348093${String(k).padStart(6, '0')}`;
      const start = new Date(startMs + k * 1_000).toISOString();
      const good = {
        call_id: `good-${k}`,
        caller,
        callee: '2348099999998',
        start,
        duration: '30',
        switch: 'sw-good',
      };
      const broken: Record<string, unknown> = {
        call_id: `broken-${k}`,
        caller,
        callee: '2348099999999',
        start,
        duration: 30,
        switch: 'sw-broken',
      };
      // Three records in four are broken: mostly a start nobody can read, some without a callee.
      if (k % 16 === 1) {
        delete broken.callee;
        brokenRejected.missing_field++;
      } else if (k % 4 !== 0) {
        broken.start = 'yesterday at eight';
        brokenRejected.invalid_start++;
      }
      for (const record of [good, broken])
        await js.publish(cdrSubject(partitionOf(caller, PARTITIONS)), JSON.stringify(record), {
          msgID: String(record.call_id),
        });
    }
    const rejected = brokenRejected.invalid_start + brokenRejected.missing_field;
    const series = async (name: string, labels: string): Promise<number> => {
      const line = new RegExp(`^${name}\\{${labels}\\} (\\d+)`, 'm');
      return Number(line.exec(await service.metrics.text())?.[1] ?? 0);
    };
    await eventually('per-source counters reported', async () => {
      const [accepted, bad, good] = await Promise.all([
        series('sentinel_source_records_total', 'source="sw-broken",outcome="accepted"'),
        series('sentinel_source_records_total', 'source="sw-broken",outcome="rejected"'),
        series('sentinel_source_records_total', 'source="sw-good",outcome="accepted"'),
      ]);
      return accepted === 150 - rejected && bad === rejected && good === 150;
    });
    expect(await series('sentinel_source_rejected_total', 'source="sw-broken",reason="invalid_start"')).toBe(
      brokenRejected.invalid_start,
    );
    expect(await series('sentinel_source_rejected_total', 'source="sw-broken",reason="missing_field"')).toBe(
      brokenRejected.missing_field,
    );
    expect(await series('sentinel_source_rejected_total', 'source="sw-good",reason="invalid_start"')).toBe(0);
    expect(await service.metrics.text()).toMatch(
      /^sentinel_source_clock_skew_seconds\{source="sw-good",quantile="0.5"\} \d+/m,
    );

    const after = await detailed();
    expect(after.status).toBe('degraded');
    expect(after.checks.engine.ready).toBe(true);
    const degraded = after.checks.sources.degraded;
    expect(degraded.map((entry) => [entry.source, entry.top_reason])).toEqual([
      ['sw-broken', 'invalid_start'],
    ]);
    expect(degraded[0]?.rejected_share).toBeCloseTo(rejected / 150, 5);
    expect(degraded[0]?.message).toMatch(/^source sw-broken: .* mostly invalid_start$/);
    const good = after.checks.sources.by_source.find((s) => s.source === 'sw-good');
    expect(good).toMatchObject({ records: 150, accepted: 150, rejected: 0, status: 'ok' });
    // Arrival − start: the records started 450 to 600 s before they were published.
    expect(good?.skew_p50_seconds).toBeGreaterThan(400);
    expect(good?.skew_p50_seconds).toBeLessThan(700);
  }, 120_000);
});

interface SourceEntry {
  source: string;
  records: number;
  accepted: number;
  rejected: number;
  status: string;
  skew_p50_seconds: number | null;
}

interface DetailedHealth {
  status: string;
  checks: {
    engine: { ready: boolean };
    sources: {
      by_source: SourceEntry[];
      degraded: { source: string; top_reason: string; rejected_share: number; message: string }[];
    };
  };
}
