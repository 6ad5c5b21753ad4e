/**
 * A real SIP switch feeding the engine: Kamailio (deploy/kamailio/kamailio.cfg) proxies calls that sipp places
 * and answers on loopback, and publishes one CDR per finished call on `cdr.feed.kamailio`. 30 ordinary calls
 * from 30 callers (three of them to busy numbers) run alongside a SIM-box burst: one caller, 60 distinct
 * callees, about a second each. Checked twice: what Kamailio published (one record per call, fields right),
 * then what the engine made of it (every call stored once; the burst's caller alerted, nobody else).
 *
 * Kamailio publishes to the engine's own nats-server, where the engine's feed normaliser (FEED_PROFILES=kamailio)
 * reads `cdr.feed.kamailio`, converts each record with the `kamailio` profile and republishes it partitioned.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { KamailioCdr } from '../../src/codec/index.js';
import type { Service } from '../../src/engine/index.js';
import { countOf } from '../support/databases.js';
import { startKamailio, type KamailioProcess } from '../support/kamailio-process.js';
import { requireSipTools } from '../support/sip-tools.js';
import { uniqueName } from '../support/nats.js';
import { eventually, startTestService, startTestStack, type TestStack } from '../support/service-fixture.js';
import {
  runSippCaller,
  startSippCallee,
  writeCallsCsv,
  type PlannedCall,
  type SippCallee,
} from '../support/sipp-process.js';

const FEED_SUBJECT = 'cdr.feed.kamailio';

const NORMAL_HOLD_MS = 3_000;
const BURST_HOLD_MS = 1_000;
/** The callee scenario answers 486 Busy Here to dialled numbers ending in 486. */
const BUSY_SUFFIX = '486';

/** 30 callers, one call each; every tenth dials a busy number. */
const NORMAL_CALLS: readonly PlannedCall[] = Array.from({ length: 30 }, (_, i) => ({
  caller: `4416329601${String(i).padStart(2, '0')}`,
  callee: i % 10 === 5 ? `44207946${i}${BUSY_SUFFIX}` : `4420794601${String(i).padStart(2, '0')}`,
}));
const SIM_BOX_CALLER = '447700900001';
/** One caller, 60 distinct callees: more than the rule's 50, and short calls. */
const BURST_CALLS: readonly PlannedCall[] = Array.from({ length: 60 }, (_, i) => ({
  caller: SIM_BOX_CALLER,
  callee: `4477009010${String(i).padStart(2, '0')}`,
}));
const ALL_CALLS = [...NORMAL_CALLS, ...BURST_CALLS];

/** Collects every record Kamailio publishes, as parsed JSON. */
function collectFeed(nc: NatsConnection): { records: KamailioCdr[]; subscription: Subscription } {
  const records: KamailioCdr[] = [];
  const subscription = nc.subscribe(FEED_SUBJECT, {
    callback: (_error, message) => {
      records.push(message.json<KamailioCdr>());
    },
  });
  return { records, subscription };
}

const pairOf = (call: PlannedCall): string => `${call.caller}>${call.callee}`;

describe('Kamailio + sipp feeding the engine', () => {
  const switchName = uniqueName('kamailio');
  let workDir: string;
  let stack: TestStack;
  let service: Service;
  let nc: NatsConnection;
  let feed: ReturnType<typeof collectFeed>;
  let callee: SippCallee;
  let kamailio: KamailioProcess;
  let callsStartedS: number;
  let callsEndedS: number;

  /**
   * Starts everything and places every call, once; both tests await it. Run from the tests rather than a
   * beforeAll hook so that a missing kamailio or sipp fails them, instead of reporting them as skipped.
   */
  let placed: Promise<void> | undefined;
  async function placeAllCalls(): Promise<void> {
    requireSipTools();
    workDir = mkdtempSync(join(tmpdir(), 'sentinel-sipp-'));
    stack = await startTestStack();
    service = await startTestService(stack, { FEED_PROFILES: 'kamailio' });
    nc = await connect({ servers: stack.natsUrl, name: 'kamailio-feed-test' });
    feed = collectFeed(nc);
    await nc.flush();

    callee = await startSippCallee(workDir);
    kamailio = await startKamailio({
      natsUrl: stack.natsUrl,
      gatewayUri: `sip:127.0.0.1:${callee.port}`,
      switchName,
    });

    const normalCsv = join(workDir, 'normal.csv');
    const burstCsv = join(workDir, 'burst.csv');
    writeCallsCsv(normalCsv, NORMAL_CALLS);
    writeCallsCsv(burstCsv, BURST_CALLS);
    const target = `127.0.0.1:${kamailio.port}`;
    callsStartedS = Math.floor(Date.now() / 1000);
    await Promise.all([
      runSippCaller({
        target,
        csvPath: normalCsv,
        calls: NORMAL_CALLS.length,
        ratePerSecond: 10,
        holdMs: NORMAL_HOLD_MS,
        errorFile: join(workDir, 'normal-errors.log'),
      }),
      runSippCaller({
        target,
        csvPath: burstCsv,
        calls: BURST_CALLS.length,
        ratePerSecond: 30,
        holdMs: BURST_HOLD_MS,
        errorFile: join(workDir, 'burst-errors.log'),
      }),
    ]);
    callsEndedS = Math.ceil(Date.now() / 1000);
  }
  const scenario = (): Promise<void> => (placed ??= placeAllCalls());

  afterAll(async () => {
    await callee?.stop();
    await kamailio?.stop();
    feed?.subscription.unsubscribe();
    await nc?.close();
    await service?.stop();
    await stack?.cleanup();
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  it('publishes exactly one record per call, with the call’s numbers, times, reply and switch', async () => {
    await scenario();
    await eventually(
      `${ALL_CALLS.length} records on ${FEED_SUBJECT}`,
      async () => feed.records.length >= ALL_CALLS.length,
      15_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; got ${feed.records.length}. Kamailio log:\n${kamailio.log()}`);
    });
    const { records } = feed;
    expect(new Set(records.map((r) => r.call_id)).size).toBe(ALL_CALLS.length);
    expect(records.map(pairOf).sort()).toEqual(ALL_CALLS.map(pairOf).sort());

    for (const record of records) {
      const busy = record.callee.endsWith(BUSY_SUFFIX);
      const holdMs = record.caller === SIM_BOX_CALLER ? BURST_HOLD_MS : NORMAL_HOLD_MS;
      expect(record.switch).toBe(switchName);
      expect(record.setup).toBeGreaterThanOrEqual(callsStartedS);
      expect(record.start).toBeGreaterThanOrEqual(record.setup);
      expect(record.end).toBeGreaterThanOrEqual(record.start);
      expect(record.end).toBeLessThanOrEqual(callsEndedS);
      if (busy) {
        expect(record).toMatchObject({
          answered: false,
          sip_code: 486,
          ended_by: 'callee',
          duration: 0,
          duration_ms: 0,
        });
        expect(record.start).toBe(record.setup);
      } else {
        // sipp's caller hangs up every answered call.
        expect(record).toMatchObject({ answered: true, sip_code: 200, ended_by: 'caller' });
        expect(record.duration).toBe(record.end - record.start);
        // The caller holds the call for holdMs after its ACK; the proxy measures from the 200 OK to the BYE.
        expect(record.duration_ms).toBeGreaterThanOrEqual(holdMs - 100);
        expect(record.duration_ms).toBeLessThan(holdMs + 2_000);
      }
    }
  }, 90_000);

  it('stores every call once and alerts the SIM-box caller and nobody else', async () => {
    await scenario();
    await eventually(
      'every call in call_records',
      async () => (await countOf(service.pool, 'SELECT count(*) AS n FROM call_records')) >= ALL_CALLS.length,
    );
    await eventually(
      'an alert for the SIM-box caller',
      async () =>
        (await countOf(
          service.pool,
          `SELECT count(*) AS n FROM fraud_alerts WHERE suspect_number = '${SIM_BOX_CALLER}'`,
        )) > 0,
    );
    expect(await countOf(service.pool, 'SELECT count(*) AS n FROM dead_letters')).toBe(0);

    const stored = await service.pool.query<{
      call_id: string;
      answered: boolean;
      termination_cause: number | null;
      switch_id: string;
    }>('SELECT call_id, answered, termination_cause, switch_id FROM call_records');
    expect(stored.rows).toHaveLength(ALL_CALLS.length);
    expect(new Set(stored.rows.map((row) => row.call_id))).toEqual(
      new Set(feed.records.map((r) => r.call_id)),
    );
    const busyIds = new Set(feed.records.filter((r) => !r.answered).map((r) => r.call_id));
    expect(busyIds.size).toBe(NORMAL_CALLS.filter((call) => call.callee.endsWith(BUSY_SUFFIX)).length);
    for (const row of stored.rows) {
      expect(row.switch_id).toBe(switchName);
      expect(row).toMatchObject(
        busyIds.has(row.call_id)
          ? { answered: false, termination_cause: 17 }
          : { answered: true, termination_cause: 16 },
      );
    }

    const alerts = await service.pool.query<{
      suspect_number: string;
      unique_destinations: number;
      avg_duration_seconds: number;
    }>('SELECT suspect_number, unique_destinations, avg_duration_seconds FROM fraud_alerts');
    expect(new Set(alerts.rows.map((row) => row.suspect_number))).toEqual(new Set([SIM_BOX_CALLER]));
    const strongest = Math.max(...alerts.rows.map((row) => row.unique_destinations));
    expect(strongest).toBeGreaterThan(50);
    for (const row of alerts.rows) expect(row.avg_duration_seconds).toBeLessThan(3);
    // Nothing arrived twice while the engine worked: still one record per call on the feed.
    expect(feed.records).toHaveLength(ALL_CALLS.length);
  }, 90_000);
});
