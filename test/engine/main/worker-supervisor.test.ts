/**
 * WorkerSupervisor with real worker threads running a fake shard worker (support/fake-shard-worker.mjs) that
 * speaks the protocol: workers start empty and ready; partitions are assigned under a lease epoch to the least
 * loaded worker, handed off (`release`), dropped, re-opened after a failure, given up when fenced; a crashed
 * worker restarts with backoff and gets its partitions back under the same epochs; caller queries go to the
 * partition's worker; rules are broadcast; shutdown has a deadline; the detection heartbeat follows the
 * workers' reports.
 */
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import type { PartitionState, WorkerStartup } from '../../../src/engine/protocol.js';
import { WorkerSupervisor } from '../../../src/engine/main/worker-supervisor.js';
import { Metrics } from '../../../src/metrics/index.js';
import { DEFAULT_RULE_SETTINGS, type RuleSettings } from '../../../src/windows/index.js';

const WORKER_FILE = fileURLToPath(new URL('./support/fake-shard-worker.mjs', import.meta.url));
const CONFIG = loadConfig({});
const CALLER = 2348012345678;
/** Long enough for threads to start on a busy two-core machine; the checks themselves take milliseconds. */
const UNTIL_TIMEOUT_MS = 15_000;

/** What the fake worker reads from `workerData.fake` (see the fake's header). */
interface FakeBehaviour {
  crashOnStart?: boolean;
  hang?: boolean;
  appliedUpTo?: number;
  failFirstOpen?: number[];
  fenceOnOpen?: number[];
  stayReplaying?: number[];
  releaseDelayMs?: number;
  ignoreRelease?: boolean;
  lastEvaluatedAtMs?: number;
}

interface Spawned {
  workerId: number;
  /** 1 for the first start of that worker, 2 for its first restart, … */
  spawn: number;
  rules: RuleSettings;
}

interface PartitionReport {
  partition: number;
  state: PartitionState;
  /** `worker <id> epoch <epoch>`, from the fake. */
  detail: string | undefined;
}

/** Rules that differ from the defaults in every SDHF threshold. */
const STRICTER: RuleSettings = {
  ...DEFAULT_RULE_SETTINGS,
  sdhf: DEFAULT_RULE_SETTINGS.sdhf.map((threshold) => ({ ...threshold, minDistinctCallees: 20 })),
};

/**
 * Polls `check` on a real interval (vitest fakes only setTimeout here, so this works under fake timers too)
 * until it holds; worker threads answer through the event loop, not synchronously.
 */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + UNTIL_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() > deadline) {
        clearInterval(timer);
        reject(new Error(`timed out waiting until ${what}`));
      }
    }, 5);
  });
}

/** A supervisor over fake workers, with what it started and every partition state it passed on. */
class Fixture {
  readonly metrics = new Metrics('test');
  readonly spawned: Spawned[] = [];
  readonly reports: PartitionReport[] = [];
  readonly supervisor: WorkerSupervisor;

  constructor(behaviour: (workerId: number, spawn: number) => FakeBehaviour = () => ({}), workers = 2) {
    this.supervisor = new WorkerSupervisor({
      workers,
      rules: DEFAULT_RULE_SETTINGS,
      metrics: this.metrics,
      logger: pino({ level: 'silent' }),
      workerFile: WORKER_FILE,
      startupFor: (workerId, rules) => {
        const spawn = this.spawnsOf(workerId) + 1;
        this.spawned.push({ workerId, spawn, rules });
        const startup: WorkerStartup & { fake: FakeBehaviour } = {
          workerId,
          config: CONFIG,
          natsUrl: 'nats://127.0.0.1:1',
          databaseUrl: 'postgres://127.0.0.1:1/none',
          rules,
          streams: { cdr: 'CDR', dlq: 'CDR_DLQ', alerts: 'ALERTS', cdrLayout: 'per-partition' },
          consumerGroup: 'sentinel-test',
          owner: 'test-instance-1-abcdef',
          fake: behaviour(workerId, spawn),
        };
        return startup;
      },
      onPartitionState: (partition, state, detail) => this.reports.push({ partition, state, detail }),
    });
    fixtures.push(this);
  }

  spawnsOf(workerId: number): number {
    return this.spawned.filter((spawned) => spawned.workerId === workerId).length;
  }

  workerState(workerId: number): string | undefined {
    return this.supervisor.statuses()[workerId]?.state;
  }

  async started(): Promise<void> {
    this.supervisor.start();
    await until(() => this.supervisor.statuses().every((s) => s.state === 'ready'), 'every worker is ready');
  }

  /** The states reported for a partition, each with the detail the fake put on it. */
  reportsOf(partition: number): string[] {
    return this.reports
      .filter((report) => report.partition === partition)
      .map((report) => `${report.state} (${report.detail ?? ''})`);
  }

  reached(partition: number, state: PartitionState, occurrence = 1): Promise<void> {
    return until(
      () =>
        this.reports.filter((report) => report.partition === partition && report.state === state).length >=
        occurrence,
      `partition ${partition} reported ${state} ${occurrence}×`,
    );
  }

  partitionsByWorker(): number[][] {
    return this.supervisor.statuses().map((status) => [...status.partitions].sort((a, b) => a - b));
  }

  async restartsCounted(): Promise<number> {
    const { values } = await this.metrics.counter('sentinel_worker_restarts_total').get();
    return values.reduce((sum, value) => sum + value.value, 0);
  }

  async lastDetection(): Promise<number | undefined> {
    const { values } = await this.metrics.gauge('sentinel_last_detection_timestamp').get();
    return values[0]?.value;
  }
}

const fixtures: Fixture[] = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const fixture of fixtures.splice(0)) await fixture.supervisor.shutdown(500);
});

describe('WorkerSupervisor', () => {
  it('starts every worker with the rules and no partitions, and is ready once they are', async () => {
    const fixture = new Fixture();
    fixture.supervisor.start();
    expect(fixture.supervisor.allReady()).toBe(false);
    await until(() => fixture.supervisor.allReady(), 'all ready');

    expect(fixture.spawned).toEqual([
      { workerId: 0, spawn: 1, rules: DEFAULT_RULE_SETTINGS },
      { workerId: 1, spawn: 1, rules: DEFAULT_RULE_SETTINGS },
    ]);
    expect(fixture.supervisor.statuses()).toMatchObject([
      { id: 0, state: 'ready', partitions: [], restarts: 0, health: { bufferedRows: 0 } },
      { id: 1, state: 'ready', partitions: [], restarts: 0, health: { bufferedRows: 1 } },
    ]);
    const text = await fixture.metrics.text();
    expect(text).toContain('sentinel_worker_state{worker="0",state="ready"} 1');
    expect(text).toContain('sentinel_worker_state{worker="0",state="starting"} 0');
    // Both workers' reports are folded into the one registry: 10 + 11.
    expect(text).toContain('sentinel_records_consumed_total{phase="live"} 21');
  });

  it('places assigned partitions on the least loaded worker and is ready only once they have caught up', async () => {
    const fixture = new Fixture(() => ({ stayReplaying: [4] }));
    await fixture.started();
    const { supervisor } = fixture;
    const before = Date.now();
    for (const partition of [0, 1, 2, 3, 4]) supervisor.assign(partition, 100 + partition);

    expect(fixture.partitionsByWorker()).toEqual([
      [0, 2, 4],
      [1, 3],
    ]);
    await Promise.all([0, 1, 2, 3].map((partition) => fixture.reached(partition, 'ready')));
    await fixture.reached(4, 'replaying');
    expect(fixture.reportsOf(3)).toEqual([
      'opening (worker 1 epoch 103)',
      'replaying (worker 1 epoch 103)',
      'ready (worker 1 epoch 103)',
    ]);
    expect(supervisor.partitionState(3)).toBe('ready');
    expect(supervisor.partitionState(4)).toBe('replaying');
    // Every worker is ready, but partition 4 is still replaying: not ready as a whole.
    expect(supervisor.allReady()).toBe(false);
    expect([0, 4, 5].map((partition) => supervisor.owns(partition))).toEqual([true, true, false]);
    expect(supervisor.placedAtMs(4)).toBeGreaterThanOrEqual(before);
    expect(supervisor.placedAtMs(5)).toBeUndefined();

    // A partition that leaves frees its worker: the next one goes there.
    supervisor.drop(1);
    supervisor.drop(3);
    supervisor.assign(5, 105);
    expect(fixture.partitionsByWorker()).toEqual([[0, 2, 4], [5]]);
    supervisor.drop(4);
    await fixture.reached(5, 'ready');
    expect(supervisor.allReady()).toBe(true);
  });

  it('restarts a worker that exits, after a backoff that doubles, and counts the restarts', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fixture = new Fixture((workerId, spawn) => ({ crashOnStart: workerId === 0 && spawn <= 2 }));
    fixture.supervisor.start();
    await until(() => fixture.workerState(1) === 'ready', 'worker 1 is ready');

    await until(() => fixture.workerState(0) === 'failed', 'worker 0 failed');
    expect(fixture.supervisor.allReady()).toBe(false);
    expect(fixture.supervisor.statuses()[0]).toMatchObject({ state: 'failed', restarts: 1 });
    await vi.advanceTimersByTimeAsync(499);
    expect(fixture.spawnsOf(0)).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fixture.spawnsOf(0)).toBe(2);

    await until(() => fixture.supervisor.statuses()[0]?.restarts === 2, 'worker 0 failed again');
    await vi.advanceTimersByTimeAsync(999);
    expect(fixture.spawnsOf(0)).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(fixture.spawnsOf(0)).toBe(3);

    await until(() => fixture.supervisor.allReady(), 'worker 0 is back');
    expect(fixture.supervisor.statuses().map((status) => status.restarts)).toEqual([2, 0]);
    expect(fixture.spawnsOf(1)).toBe(1);
    expect(await fixture.restartsCounted()).toBe(2);
  });

  it("gives a restarted worker its partitions back under the same epochs, and only that worker's", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fixture = new Fixture();
    await fixture.started();
    const { supervisor } = fixture;
    for (const partition of [0, 1, 2, 3]) supervisor.assign(partition, 40 + partition);
    await Promise.all([0, 1, 2, 3].map((partition) => fixture.reached(partition, 'ready')));

    await supervisor.crash(0);
    await until(() => fixture.workerState(0) === 'failed', 'worker 0 failed');
    // The partitions stay placed (the lease is still this instance's) but are not running.
    expect(fixture.partitionsByWorker()).toEqual([
      [0, 2],
      [1, 3],
    ]);
    expect([0, 2].map((partition) => supervisor.partitionState(partition))).toEqual(['opening', 'opening']);
    expect(supervisor.owns(0)).toBe(true);
    expect(supervisor.allReady()).toBe(false);
    expect(await supervisor.callerSnapshot(CALLER, 0)).toBeUndefined();

    await vi.advanceTimersByTimeAsync(500);
    await Promise.all([0, 2].map((partition) => fixture.reached(partition, 'ready', 2)));
    expect(fixture.reportsOf(2).slice(3)).toEqual([
      'opening (worker 0 epoch 42)',
      'replaying (worker 0 epoch 42)',
      'ready (worker 0 epoch 42)',
    ]);
    expect(fixture.reportsOf(1)).toHaveLength(3); // worker 1's partitions were not touched
    expect(supervisor.allReady()).toBe(true);
    expect(await supervisor.callerSnapshot(CALLER, 2)).toMatchObject({ partition: 2, worker: 0 });
    expect(await fixture.restartsCounted()).toBe(1);
  });

  it('release resolves once the worker reports the partition released, and stops owning it at once', async () => {
    const fixture = new Fixture(() => ({ releaseDelayMs: 300 }));
    await fixture.started();
    const { supervisor } = fixture;
    supervisor.assign(0, 7);
    supervisor.assign(1, 8);
    await Promise.all([fixture.reached(0, 'ready'), fixture.reached(1, 'ready')]);

    let released = false;
    const release = supervisor.release(0).then(() => (released = true));
    expect(supervisor.release(0)).toBe(supervisor.release(0)); // asking twice waits for the same hand-off
    expect(supervisor.owns(0)).toBe(false);
    expect(fixture.partitionsByWorker()).toEqual([[0], [1]]); // still on its worker until released
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(released).toBe(false);
    await release;
    expect(fixture.reportsOf(0).at(-1)).toBe('released (worker 0 epoch 7)');
    expect(fixture.partitionsByWorker()).toEqual([[], [1]]);
    expect(supervisor.partitionState(0)).toBeUndefined();
    // Nothing to hand off: resolves at once.
    await supervisor.release(9);
  });

  it('release resolves when the worker dies before reporting, and the partition is not reopened', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fixture = new Fixture(() => ({ ignoreRelease: true }));
    await fixture.started();
    const { supervisor } = fixture;
    supervisor.assign(0, 7);
    await fixture.reached(0, 'ready');

    let released = false;
    const release = supervisor.release(0).then(() => (released = true));
    await vi.advanceTimersByTimeAsync(100);
    expect(released).toBe(false);
    await supervisor.crash(0);
    await release;
    expect(fixture.partitionsByWorker()).toEqual([[], []]);

    await vi.advanceTimersByTimeAsync(500);
    await until(() => fixture.workerState(0) === 'ready', 'worker 0 restarted');
    expect(fixture.reportsOf(0)).toHaveLength(3);
    expect(supervisor.owns(0)).toBe(false);
  });

  it('drop forgets the partition at once: no owner, no state, no answers', async () => {
    const fixture = new Fixture();
    await fixture.started();
    const { supervisor } = fixture;
    supervisor.assign(0, 7);
    await fixture.reached(0, 'ready');
    expect(await supervisor.callerSnapshot(CALLER, 0)).toMatchObject({ partition: 0, worker: 0 });

    supervisor.drop(0);
    expect(supervisor.owns(0)).toBe(false);
    expect(supervisor.partitionState(0)).toBeUndefined();
    expect(fixture.partitionsByWorker()).toEqual([[], []]);
    expect(await supervisor.callerSnapshot(CALLER, 0)).toBeUndefined();
    supervisor.drop(0); // dropping what is not here is harmless
  });

  it('a lease lost and won back at once: the drop’s answer does not unplace the new run', async () => {
    // Found by the chaos suite's NATS node kill: the lease expired during the KV outage and was won again in
    // the same round; the dropped run's `released` removed the new placement, so the new run's failed open
    // was never retried and the partition stayed unserved while its lease was held.
    const fixture = new Fixture(() => ({}), 1);
    await fixture.started();
    const { supervisor } = fixture;
    supervisor.assign(0, 7);
    await fixture.reached(0, 'ready');

    supervisor.drop(0);
    supervisor.assign(0, 8);
    await fixture.reached(0, 'ready', 2);
    expect(fixture.reportsOf(0).at(-1)).toBe('ready (worker 0 epoch 8)');
    expect(supervisor.owns(0)).toBe(true);
    expect(supervisor.partitionState(0)).toBe('ready');
    expect(fixture.partitionsByWorker()).toEqual([[0]]);
  });

  it('opens a partition that failed to open again after 2 s, under the same epoch', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fixture = new Fixture(() => ({ failFirstOpen: [1] }));
    await fixture.started();
    fixture.supervisor.assign(1, 55);
    await fixture.reached(1, 'failed');
    expect(fixture.supervisor.partitionState(1)).toBe('failed');
    expect(fixture.supervisor.owns(1)).toBe(true);

    await vi.advanceTimersByTimeAsync(1_999);
    expect(fixture.reportsOf(1)).toEqual(['opening (worker 0 epoch 55)', 'failed (worker 0 epoch 55)']);
    await vi.advanceTimersByTimeAsync(1);
    await fixture.reached(1, 'ready');
    expect(fixture.reportsOf(1).slice(2)).toEqual([
      'opening (worker 0 epoch 55)',
      'replaying (worker 0 epoch 55)',
      'ready (worker 0 epoch 55)',
    ]);
    expect(fixture.supervisor.allReady()).toBe(true);
  });

  it('gives up a partition its worker reports fenced, and never reopens it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fixture = new Fixture(() => ({ fenceOnOpen: [2] }));
    await fixture.started();
    fixture.supervisor.assign(2, 3);
    await fixture.reached(2, 'fenced');

    expect(fixture.supervisor.owns(2)).toBe(false);
    expect(fixture.supervisor.partitionState(2)).toBeUndefined();
    expect(fixture.partitionsByWorker()).toEqual([[], []]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fixture.reportsOf(2)).toEqual(['opening (worker 0 epoch 3)', 'fenced (worker 0 epoch 3)']);
    expect(fixture.supervisor.allReady()).toBe(true);
  });

  it('sends caller queries and applied waits to the worker running the partition', async () => {
    const fixture = new Fixture(() => ({ appliedUpTo: 100 }));
    await fixture.started();
    const { supervisor } = fixture;
    for (const partition of [0, 1, 2, 3]) supervisor.assign(partition, 1);
    await Promise.all([0, 1, 2, 3].map((partition) => fixture.reached(partition, 'ready')));

    expect(await supervisor.callerSnapshot(CALLER, 2)).toMatchObject({ partition: 2, worker: 0 });
    expect(await supervisor.callerSnapshot(CALLER, 3)).toMatchObject({ partition: 3, worker: 1 });
    expect(await supervisor.callerSnapshot(CALLER, 9)).toBeUndefined();

    expect(await supervisor.waitApplied(1, 100, 1_000)).toBe(true);
    expect(await supervisor.waitApplied(1, 101, 1_000)).toBe(false);
    expect(await supervisor.waitApplied(9, 1, 1_000)).toBe(false);
  });

  it('resolves a query the worker never answers with undefined after the request timeout', async () => {
    const fixture = new Fixture(() => ({ hang: true }));
    await fixture.started();
    // A hanging worker never confirms the partition, but it is placed there: questions go to it.
    fixture.supervisor.assign(2, 1);
    fixture.supervisor.assign(3, 1);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });

    let answered = false;
    const snapshot = fixture.supervisor.callerSnapshot(CALLER, 2).finally(() => (answered = true));
    const applied = fixture.supervisor.waitApplied(3, 10, 2_000);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(applied).resolves.toBe(false); // the wait's own timeout plus a second
    await vi.advanceTimersByTimeAsync(1_999);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(snapshot).resolves.toBeUndefined();
  });

  it('answers a pending query with undefined at once when its worker exits', async () => {
    const fixture = new Fixture(() => ({ hang: true }));
    await fixture.started();
    fixture.supervisor.assign(0, 1);

    const snapshot = fixture.supervisor.callerSnapshot(CALLER, 0);
    await fixture.supervisor.crash(0);
    await expect(snapshot).resolves.toBeUndefined();
    expect(fixture.workerState(0)).toBe('failed');
    // While the worker is down, queries for its partitions do not wait for it.
    await expect(fixture.supervisor.callerSnapshot(CALLER, 0)).resolves.toBeUndefined();
  });

  it('broadcasts new rules to every worker and starts a restarted worker with them', async () => {
    const fixture = new Fixture();
    await fixture.started();
    const { supervisor } = fixture;
    for (const partition of [0, 1]) supervisor.assign(partition, 1);
    await Promise.all([0, 1].map((partition) => fixture.reached(partition, 'ready')));
    const thresholdsOn = async (partition: number): Promise<number[] | undefined> =>
      (await supervisor.callerSnapshot(CALLER, partition))?.stats.windows.map(
        (window) => window.distinctCallees,
      );
    expect(await thresholdsOn(0)).toEqual([50, 50, 50]);

    supervisor.setRules(STRICTER);
    expect(await thresholdsOn(0)).toEqual([20, 20, 20]);
    expect(await thresholdsOn(1)).toEqual([20, 20, 20]);

    await supervisor.crash(0);
    await fixture.reached(0, 'ready', 2);
    expect(fixture.spawned.at(-1)).toEqual({ workerId: 0, spawn: 2, rules: STRICTER });
    expect(await thresholdsOn(0)).toEqual([20, 20, 20]);
    expect(await fixture.restartsCounted()).toBe(1);
  });

  it('keeps sentinel_last_detection_timestamp at the latest evaluation any worker reports, not the clock', async () => {
    const evaluatedAtMs = [1_700_000_000_000, 1_700_000_500_900];
    const fixture = new Fixture((workerId) => ({ lastEvaluatedAtMs: evaluatedAtMs[workerId] ?? 0 }));
    await fixture.started();
    await until(() => fixture.supervisor.statuses().every((s) => s.health !== undefined), 'health reported');
    expect(await fixture.lastDetection()).toBe(1_700_000_500);

    // Workers that have evaluated nothing yet leave the heartbeat at 0 (the epoch), so the alert fires on an
    // instance that only ever replayed.
    const idle = new Fixture();
    await idle.started();
    await until(() => idle.supervisor.statuses().every((s) => s.health !== undefined), 'health reported');
    expect(await idle.lastDetection()).toBe(0);
  });

  it('shutdown asks every worker to stop and returns true once they have, without restarting them', async () => {
    const fixture = new Fixture();
    const forgotten = vi.spyOn(fixture.metrics, 'forgetWorker');
    await fixture.started();
    fixture.supervisor.assign(0, 1);
    await fixture.reached(0, 'ready');

    await expect(fixture.supervisor.shutdown(10_000)).resolves.toBe(true);
    expect(fixture.supervisor.statuses().map((status) => status.state)).toEqual(['stopping', 'stopping']);
    expect(fixture.reportsOf(0).at(-1)).toBe('released (worker 0 epoch 1)');
    expect(forgotten.mock.calls.map(([id]) => id).sort()).toEqual(['0', '1']);
    expect(fixture.supervisor.statuses().map((status) => status.restarts)).toEqual([0, 0]);
    expect(await fixture.restartsCounted()).toBe(0);
    expect(fixture.spawned).toHaveLength(2);
  });

  it('shutdown returns false at the deadline and terminates workers that do not stop', async () => {
    const fixture = new Fixture(() => ({ hang: true }));
    const forgotten = vi.spyOn(fixture.metrics, 'forgetWorker');
    await fixture.started();

    await expect(fixture.supervisor.shutdown(300)).resolves.toBe(false);
    // Both threads exited (terminated), and neither was restarted.
    expect(forgotten.mock.calls.map(([id]) => id).sort()).toEqual(['0', '1']);
    expect(await fixture.restartsCounted()).toBe(0);
    expect(fixture.spawned).toHaveLength(2);
  });
});
