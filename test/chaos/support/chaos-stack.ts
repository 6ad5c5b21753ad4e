/**
 * One chaos run: a 3-node NATS cluster (test/support/nats-cluster.ts), a fresh Postgres database, engine
 * processes from dist/ (`sentinel start`, each with every node in NATS_URL and STREAM_REPLICAS=3), a known
 * stream of CDRs with known fraudsters, and a watch on the lease bucket. The scenario starts, kills and adds
 * engines or NATS nodes; `verifyExactlyOnce` then checks what must hold after any fault (see its comment).
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { expect } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { partitionStreamName } from '../../../src/stream/index.js';
import { mixedStream, type MixedStream } from '../../support/cdr-builders.js';
import { countOf, createTestDatabase, type TestDatabase } from '../../support/databases.js';
import { spawnEngine, type EngineProcess } from '../../support/engine-process.js';
import { startNatsCluster, type NatsCluster } from '../../support/nats-cluster.js';
import { eventually } from '../../support/service-fixture.js';
import { expectedAlerts } from './expected-alerts.js';
import { missingRows, stallReport } from './failure-reports.js';
import { publishInLanes } from './lane-publisher.js';
import { gapLength, LeaseWatch } from './lease-watch.js';

export interface ChaosOptions {
  partitions?: number;
  /** LEASE_TTL in ms (the engine's minimum is 2 s). */
  leaseTtlMs?: number;
  /** Fraudsters (SDHF callers, 80 calls each) and normal callers in the stream. */
  fraudsters?: number;
  normalCallers?: number;
  seed?: number;
}

export interface RunningEngine extends EngineProcess {
  name: string;
  pid: number;
}

/**
 * Slack on top of the lease arithmetic: the watch's own poll (150 ms), the server's age-out pass over the
 * bucket, and scheduling on a shared 2-core machine running three engines and three servers.
 */
const TAKEOVER_SLACK_MS = 3_000;
const CONVERGE_TIMEOUT_MS = 90_000;
const GROUP = 'sentinel';
const OWNERSHIP_BUCKET = 'SENTINEL_OWNERSHIP';

/**
 * The stream's records in event-time order, as a switch would send them: the fraudsters' calls are spread over
 * the whole publish (so faults hit them too), not bunched at its start. Unreadable records keep their place
 * relative to their neighbours by index.
 */
function inStartOrder(records: MixedStream['records']): MixedStream['records'] {
  const startOf = (json: string): number | undefined => {
    try {
      const start = (JSON.parse(json) as { start?: unknown }).start;
      return typeof start === 'string' ? Date.parse(start) : undefined;
    } catch {
      return undefined;
    }
  };
  const keyed = records.map((record, index) => ({ record, index, start: startOf(record.json) }));
  const starts = keyed
    .flatMap((entry) => (entry.start === undefined ? [] : [entry.start]))
    .sort((a, b) => a - b);
  // Unreadable or start-less records are spread evenly over the run by their index.
  for (const entry of keyed)
    entry.start ??= starts[Math.floor((entry.index / records.length) * (starts.length - 1))] ?? 0;
  return keyed.sort((a, b) => a.start! - b.start! || a.index - b.index).map((entry) => entry.record);
}

export class ChaosStack {
  readonly engines = new Set<RunningEngine>();
  private leaseWatch: LeaseWatch | undefined;
  /** Records published so far: `records.slice(0, published)`. */
  private published = 0;
  readonly records: MixedStream['records'];

  private constructor(
    readonly cluster: NatsCluster,
    readonly db: TestDatabase,
    readonly pool: pg.Pool,
    readonly nc: NatsConnection,
    readonly stream: MixedStream,
    readonly partitions: number,
    readonly leaseTtlMs: number,
  ) {
    this.records = inStartOrder(stream.records);
  }

  static async start(options: ChaosOptions = {}): Promise<ChaosStack> {
    const cluster = await startNatsCluster();
    const db = await createTestDatabase('sentinel_chaos');
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const nc = await connect({
      servers: cluster.servers,
      name: 'sentinel-chaos-test',
      maxReconnectAttempts: -1,
    });
    const stream = mixedStream({
      nowMs: Date.now(),
      sdhfCallers: options.fraudsters ?? 6,
      normalCallers: options.normalCallers ?? 900,
      seed: options.seed ?? 23,
    });
    return new ChaosStack(
      cluster,
      db,
      pool,
      nc,
      stream,
      options.partitions ?? 6,
      options.leaseTtlMs ?? 3_000,
    );
  }

  /** How long a partition may go without a live owner: lease term + one view interval + slack. */
  get takeoverBoundMs(): number {
    return this.leaseTtlMs + Math.min(1_000, Math.floor(this.leaseTtlMs / 4)) + TAKEOVER_SLACK_MS;
  }

  /** The configuration every engine of the run gets; a twin is started with exactly the same one. */
  env(instanceName: string): Record<string, string> {
    return {
      NATS_URL: this.cluster.natsUrl,
      DATABASE_URL: this.db.url,
      DATABASE_POOL_MAX_SIZE: '3',
      INSTANCE_NAME: instanceName,
      PARTITIONS: String(this.partitions),
      WORKERS: '1',
      LEASE_TTL: `${this.leaseTtlMs}ms`,
      STREAM_REPLICAS: '3',
      CHECKPOINT_STORE: 'nats',
      CHECKPOINT_INTERVAL: '2s',
      SINK_FLUSH_INTERVAL: '100ms',
      SHUTDOWN_TIMEOUT: '20s',
      HTTP_HOST: '127.0.0.1',
      // CHAOS_ENGINE_LOG_LEVEL=info shows every lease, claim and consumer re-creation when a scenario fails.
      LOG_LEVEL: process.env.CHAOS_ENGINE_LOG_LEVEL ?? 'warn',
      LOG_FORMAT: 'json',
      ENVIRONMENT: 'test',
    };
  }

  async startEngine(instanceName: string): Promise<RunningEngine> {
    const engine = await spawnEngine(this.env(instanceName));
    const running: RunningEngine = { ...engine, name: instanceName, pid: engine.child.pid ?? -1 };
    // CHAOS_LOG_DIR keeps every engine's whole log (from readiness on) for a scenario that failed.
    const logDir = process.env.CHAOS_LOG_DIR;
    if (logDir !== undefined && logDir !== '') {
      const file = join(logDir, `${instanceName}-${running.pid}.log`);
      const keep = (chunk: Buffer): void => appendFileSync(file, chunk);
      engine.child.stdout?.on('data', keep);
      engine.child.stderr?.on('data', keep);
    }
    this.engines.add(running);
    void engine.exited.then(() => this.engines.delete(running));
    return running;
  }

  /**
   * The first engine alone (it creates the streams and buckets on the new cluster), then the others together.
   * Three engines creating the same R3 streams at once on a loaded 2-core machine can time a JetStream API
   * request out (5 s), and an engine that cannot set up its streams exits at start — a start-up race that is
   * not what the scenarios test.
   */
  async startEngines(names: readonly string[]): Promise<RunningEngine[]> {
    const [first, ...rest] = names;
    if (first === undefined) return [];
    const firstEngine = await this.startEngine(first);
    return [firstEngine, ...(await Promise.all(rest.map((name) => this.startEngine(name))))];
  }

  /** SIGKILL: no hand-off, no final commit, no checkpoint; its leases must age out. */
  async kill(engine: RunningEngine): Promise<void> {
    this.engines.delete(engine);
    engine.child.kill('SIGKILL');
    await engine.exited;
  }

  /** SIGTERM: graceful hand-off of every partition, then exit 0. */
  async terminate(engine: RunningEngine): Promise<void> {
    engine.child.kill('SIGTERM');
    const code = await engine.exited;
    this.engines.delete(engine);
    expect(code, `engine ${engine.name} exit code after SIGTERM\n${engine.output()}`).toBe(0);
  }

  livePids(): Set<number> {
    return new Set([...this.engines].map((engine) => engine.pid));
  }

  /** Starts watching the lease bucket (it exists once the first engine has started). */
  async watchLeases(): Promise<LeaseWatch> {
    this.leaseWatch ??= await LeaseWatch.start(this.nc, {
      bucket: OWNERSHIP_BUCKET,
      group: GROUP,
      partitions: this.partitions,
      livePids: () => this.livePids(),
    });
    return this.leaseWatch;
  }

  /** Publishes records [from, to) of the run's stream, `from`/`to` as fractions of it. */
  async publish(from: number, to: number): Promise<void> {
    const records = this.records;
    const end = Math.floor(records.length * to);
    await publishInLanes(this.nc, records.slice(Math.floor(records.length * from), end), this.partitions);
    this.published = Math.max(this.published, end);
  }

  /** Partition → highest stream sequence committed to Postgres. */
  private async committedSequences(): Promise<Map<number, number>> {
    const result = await this.pool.query<{ partition: number; last_seq: string }>(
      'SELECT partition, max(last_seq) AS last_seq FROM sink_offsets GROUP BY partition',
    );
    return new Map(result.rows.map((row) => [row.partition, Number(row.last_seq)]));
  }

  /** Every partition owned by a running engine and committed up to its stream's last sequence. */
  async waitUntilConverged(): Promise<void> {
    const jsm = await jetstreamManager(this.nc, { timeout: 2_000 });
    let lag = 'not read yet';
    const watch = await this.watchLeases();
    await eventually(
      'every partition owned and committed to the end of its stream',
      async () => {
        if (!watch.allOwned()) {
          lag = `unowned: ${JSON.stringify([...watch.holderPids()].filter(([, pid]) => pid === undefined))}`;
          return false;
        }
        const committed = await this.committedSequences();
        const behind: string[] = [];
        for (let partition = 0; partition < this.partitions; partition++) {
          const info = await jsm.streams.info(partitionStreamName('CDR', partition)).catch(() => undefined);
          if (info === undefined) return false;
          const done = committed.get(partition) ?? 0;
          if (done < info.state.last_seq) behind.push(`p${partition}: ${done}/${info.state.last_seq}`);
        }
        lag = behind.join(', ');
        return behind.length === 0;
      },
      CONVERGE_TIMEOUT_MS,
    ).catch(async (error: unknown) => {
      throw new Error(
        `${String(error)} (${lag})\n${await stallReport(this.pool, [...this.engines])}\n${this.engineOutputs()}`,
        {
          cause: error,
        },
      );
    });
  }

  /**
   * What must hold after any fault, once every partition is caught up: every valid CDR in call_records exactly
   * once, every invalid one in dead_letters exactly once, every expected alert stored and published exactly
   * once with the figures an uninterrupted engine computes, every known fraudster alerted, and no partition
   * without a live owner for longer than the takeover bound since `faultAtMs`.
   */
  async verifyExactlyOnce(faultAtMs: number): Promise<void> {
    await this.waitUntilConverged();
    const { pool, stream } = this;
    const records = this.records.slice(0, this.published);
    const valid = new Set(
      records.filter((record) => stream.validCallIds.has(record.callId)).map((r) => r.callId),
    ).size;
    const invalid = records.filter((record) => !stream.validCallIds.has(record.callId)).length;
    const rows = await countOf(pool, 'SELECT count(*) AS n FROM call_records');
    expect(
      rows,
      `rows in call_records${rows === valid ? '' : `${await missingRows(this.pool, records, stream.validCallIds, this.partitions)}\n${this.engineOutputs()}`}`,
    ).toBe(valid);
    expect(
      await countOf(pool, 'SELECT count(DISTINCT call_id) AS n FROM call_records'),
      'distinct call_id',
    ).toBe(valid);
    expect(await countOf(pool, 'SELECT count(*) AS n FROM dead_letters'), 'dead letters').toBe(invalid);

    const config = loadConfig(this.env('reference'));
    const expected = expectedAlerts(records, this.partitions, config);
    expect(expected.size).toBeGreaterThan(0);
    const stored = await pool.query<{
      alert_key: string;
      suspect_number: string;
      alert_severity: string;
      call_count: number;
      unique_destinations: number;
      avg_duration_seconds: number;
      window_start: Date;
      window_end: Date;
    }>(
      `SELECT alert_key, suspect_number, alert_severity, call_count, unique_destinations, avg_duration_seconds,
              window_start, window_end FROM fraud_alerts`,
    );
    expect(stored.rows.map((row) => row.alert_key).sort()).toEqual([...expected.keys()].sort());
    for (const row of stored.rows) {
      const alert = expected.get(row.alert_key)!;
      expect(
        {
          suspect: row.suspect_number,
          severity: row.alert_severity,
          calls: row.call_count,
          destinations: row.unique_destinations,
          windowStartMs: row.window_start.getTime(),
          windowEndMs: row.window_end.getTime(),
        },
        `figures of ${row.alert_key}`,
      ).toEqual({
        suspect: alert.suspectNumber,
        severity: alert.severity,
        calls: alert.callCount,
        destinations: alert.uniqueDestinations,
        windowStartMs: alert.windowStartMs,
        windowEndMs: alert.windowEndMs,
      });
      expect(row.avg_duration_seconds).toBeCloseTo(alert.avgDurationSeconds, 2);
    }
    const alerted = new Set(stored.rows.map((row) => row.suspect_number));
    expect(
      stream.sdhfCallers.filter((caller) => !alerted.has(caller)),
      'known fraudsters never alerted',
    ).toEqual([]);
    // Publication follows the commit: an alert whose publish met a stream electing its leader waits in the
    // outbox for the owner's retry. Every one must get there, and exactly once.
    await eventually(
      'every stored alert published (the outbox empty)',
      async () =>
        (await countOf(pool, 'SELECT count(*) AS n FROM fraud_alerts WHERE published_at IS NULL')) === 0,
      60_000,
    );
    const jsm = await jetstreamManager(this.nc, { timeout: 5_000 });
    expect((await jsm.streams.info('ALERTS')).state.messages, 'alerts published on ALERTS').toBe(
      expected.size,
    );

    const gaps = (await this.watchLeases()).gapsSince(faultAtMs);
    const longest = gaps[0];
    const longestMs = longest === undefined ? 0 : gapLength(longest);
    expect(
      longestMs,
      `longest time a partition had no live owner (p${longest?.partition}), bound ${this.takeoverBoundMs} ms`,
    ).toBeLessThanOrEqual(this.takeoverBoundMs);
  }

  /** The NATS node that leads the most CDR partition streams (the one whose loss moves the most leaders). */
  async busiestStreamLeader(): Promise<string> {
    const jsm = await jetstreamManager(this.nc, { timeout: 5_000 });
    const led = new Map<string, number>();
    for (let partition = 0; partition < this.partitions; partition++) {
      const leader = (await jsm.streams.info(partitionStreamName('CDR', partition))).cluster?.leader;
      if (leader !== undefined) led.set(leader, (led.get(leader) ?? 0) + 1);
    }
    const [busiest] = [...led].sort((a, b) => b[1] - a[1]);
    if (busiest === undefined) throw new Error('no CDR stream reports a leader');
    return busiest[0];
  }

  engineOutputs(): string {
    return [...this.engines]
      .map((engine) => `--- ${engine.name} (${engine.pid})\n${engine.output().slice(-6_000)}`)
      .join('\n');
  }

  async cleanup(): Promise<void> {
    await this.leaseWatch?.stop();
    await Promise.all(
      [...this.engines].map(async (engine) => {
        engine.child.kill('SIGKILL');
        await engine.exited;
      }),
    );
    await this.nc.close().catch(() => undefined);
    await this.pool.end();
    await this.cluster.stop();
    await this.db.drop();
  }
}
