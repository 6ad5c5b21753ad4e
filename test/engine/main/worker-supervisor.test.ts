/**
 * WorkerSupervisor with real worker threads running a fake shard worker (support/fake-shard-worker.mjs) that
 * speaks the protocol: start-up and readiness, restarts with backoff, request routing and timeouts, rule
 * broadcasts, shutdown with a deadline.
 */
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import type { WorkerStartup, WorkerState } from '../../../src/engine/protocol.js';
import { WorkerSupervisor } from '../../../src/engine/main/worker-supervisor.js';
import { Metrics } from '../../../src/metrics/index.js';
import { DEFAULT_RULE_SETTINGS, type RuleSettings } from '../../../src/windows/index.js';

const WORKER_FILE = fileURLToPath(new URL('./support/fake-shard-worker.mjs', import.meta.url));
const CONFIG = loadConfig({});
const ASSIGNMENT = [
  [0, 2],
  [1, 3],
];

/** What the fake worker reads from `workerData.fake`. */
interface FakeBehaviour {
  crashOnStart?: boolean;
  hang?: boolean;
  appliedUpTo?: number;
}

interface Spawned {
  workerId: number;
  /** 1 for the first start of that worker, 2 for its first restart, … */
  spawn: number;
  rules: RuleSettings;
}

/** Rules that differ from the defaults in every SDHF threshold. */
const STRICTER: RuleSettings = {
  ...DEFAULT_RULE_SETTINGS,
  sdhf: DEFAULT_RULE_SETTINGS.sdhf.map((threshold) => ({ ...threshold, minDistinctCallees: 20 })),
};

/** A supervisor over fake workers, with what it started and every state change it reported. */
class Fixture {
  readonly metrics = new Metrics('test');
  readonly spawned: Spawned[] = [];
  readonly states = new Map<number, WorkerState[]>();
  readonly supervisor: WorkerSupervisor;
  private readonly listeners = new Set<() => void>();

  constructor(behaviour: (workerId: number, spawn: number) => FakeBehaviour = () => ({})) {
    this.supervisor = new WorkerSupervisor({
      assignment: ASSIGNMENT,
      rules: DEFAULT_RULE_SETTINGS,
      metrics: this.metrics,
      logger: pino({ level: 'silent' }),
      workerFile: WORKER_FILE,
      startupFor: (workerId, partitions, rules) => {
        const spawn = this.spawnsOf(workerId) + 1;
        this.spawned.push({ workerId, spawn, rules });
        const startup: WorkerStartup & { fake: FakeBehaviour } = {
          workerId,
          partitions,
          config: CONFIG,
          natsUrl: 'nats://127.0.0.1:1',
          databaseUrl: 'postgres://127.0.0.1:1/none',
          rules,
          streams: { cdr: 'CDR', dlq: 'CDR_DLQ', alerts: 'ALERTS' },
          consumerGroup: 'sentinel-test',
          fake: behaviour(workerId, spawn),
        };
        return startup;
      },
      onStateChange: (workerId, state) => {
        this.states.set(workerId, [...(this.states.get(workerId) ?? []), state]);
        for (const listener of this.listeners) listener();
      },
    });
    fixtures.push(this);
  }

  spawnsOf(workerId: number): number {
    return this.spawned.filter((spawned) => spawned.workerId === workerId).length;
  }

  /** Resolves once `workerId` has reported `state` for the `occurrence`-th time. */
  reached(workerId: number, state: WorkerState, occurrence = 1): Promise<void> {
    const done = (): boolean =>
      (this.states.get(workerId) ?? []).filter((each) => each === state).length >= occurrence;
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const listener = (): void => {
        if (!done()) return;
        this.listeners.delete(listener);
        resolve();
      };
      this.listeners.add(listener);
    });
  }

  async allReached(state: WorkerState): Promise<void> {
    await Promise.all(ASSIGNMENT.map((_, workerId) => this.reached(workerId, state)));
  }

  async restartsCounted(): Promise<number> {
    const { values } = await this.metrics.counter('sentinel_worker_restarts_total').get();
    return values.reduce((sum, value) => sum + value.value, 0);
  }
}

const fixtures: Fixture[] = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const fixture of fixtures.splice(0)) await fixture.supervisor.shutdown(500);
});

describe('WorkerSupervisor', () => {
  it('starts one worker per assignment with its partitions and the rules, and is ready once all are', async () => {
    const fixture = new Fixture();
    fixture.supervisor.start();
    expect(fixture.supervisor.allReady()).toBe(false);
    await fixture.allReached('ready');

    expect(fixture.supervisor.allReady()).toBe(true);
    expect(fixture.spawned).toEqual([
      { workerId: 0, spawn: 1, rules: DEFAULT_RULE_SETTINGS },
      { workerId: 1, spawn: 1, rules: DEFAULT_RULE_SETTINGS },
    ]);
    expect(fixture.states.get(0)).toEqual(['starting', 'replaying', 'ready']);
    expect(fixture.supervisor.statuses()).toMatchObject([
      { id: 0, state: 'ready', partitions: [0, 2], restarts: 0, health: { bufferedRows: 0 } },
      { id: 1, state: 'ready', partitions: [1, 3], restarts: 0, health: { bufferedRows: 1 } },
    ]);
    const text = await fixture.metrics.text();
    expect(text).toContain('sentinel_worker_state{worker="0",state="ready"} 1');
    expect(text).toContain('sentinel_worker_state{worker="0",state="starting"} 0');
    // Both workers' reports are folded into the one registry: 10 + 11.
    expect(text).toContain('sentinel_records_consumed_total{phase="live"} 21');
  });

  it('restarts a worker that exits, after a backoff that doubles, and counts the restarts', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fixture = new Fixture((workerId, spawn) => ({ crashOnStart: workerId === 0 && spawn <= 2 }));
    fixture.supervisor.start();
    await fixture.reached(1, 'ready');

    await fixture.reached(0, 'failed', 1);
    expect(fixture.supervisor.allReady()).toBe(false);
    expect(fixture.supervisor.statuses()[0]).toMatchObject({ state: 'failed', restarts: 1 });
    await vi.advanceTimersByTimeAsync(499);
    expect(fixture.spawnsOf(0)).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fixture.spawnsOf(0)).toBe(2);

    await fixture.reached(0, 'failed', 2);
    await vi.advanceTimersByTimeAsync(999);
    expect(fixture.spawnsOf(0)).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(fixture.spawnsOf(0)).toBe(3);

    await fixture.reached(0, 'ready');
    expect(fixture.supervisor.allReady()).toBe(true);
    expect(fixture.states.get(0)).toEqual([
      'starting',
      'failed',
      'starting',
      'failed',
      'starting',
      'replaying',
      'ready',
    ]);
    expect(fixture.supervisor.statuses().map((status) => status.restarts)).toEqual([2, 0]);
    expect(fixture.spawnsOf(1)).toBe(1);
    expect(await fixture.restartsCounted()).toBe(2);
  });

  it('sends caller queries and applied waits to the worker that owns the partition', async () => {
    const fixture = new Fixture(() => ({ appliedUpTo: 100 }));
    fixture.supervisor.start();
    await fixture.allReached('ready');
    const { supervisor } = fixture;

    expect(await supervisor.callerSnapshot(2348012345678, 2)).toMatchObject({ partition: 2, worker: 0 });
    expect(await supervisor.callerSnapshot(2348012345678, 3)).toMatchObject({ partition: 3, worker: 1 });
    expect(await supervisor.callerSnapshot(2348012345678, 9)).toBeUndefined();
    expect([supervisor.owns(0), supervisor.owns(3), supervisor.owns(4)]).toEqual([true, true, false]);

    expect(await supervisor.waitApplied(1, 100, 1_000)).toBe(true);
    expect(await supervisor.waitApplied(1, 101, 1_000)).toBe(false);
    expect(await supervisor.waitApplied(9, 1, 1_000)).toBe(false);
  });

  it('resolves a query the worker never answers with undefined after the request timeout', async () => {
    const fixture = new Fixture(() => ({ hang: true }));
    fixture.supervisor.start();
    await fixture.allReached('ready');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });

    let answered = false;
    const snapshot = fixture.supervisor.callerSnapshot(2348012345678, 2).finally(() => (answered = true));
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
    fixture.supervisor.start();
    await fixture.allReached('ready');

    const snapshot = fixture.supervisor.callerSnapshot(2348012345678, 2);
    await fixture.supervisor.crash(0);
    await expect(snapshot).resolves.toBeUndefined();
    expect(fixture.supervisor.statuses()[0]?.state).toBe('failed');
    // While the worker is down, queries for its partitions do not wait for it.
    await expect(fixture.supervisor.callerSnapshot(2348012345678, 0)).resolves.toBeUndefined();
  });

  it('broadcasts new rules to every worker and starts a restarted worker with them', async () => {
    const fixture = new Fixture();
    fixture.supervisor.start();
    await fixture.allReached('ready');
    const thresholdsOn = async (partition: number): Promise<number[] | undefined> =>
      (await fixture.supervisor.callerSnapshot(2348012345678, partition))?.stats.windows.map(
        (window) => window.distinctCallees,
      );
    expect(await thresholdsOn(0)).toEqual([50, 50, 50]);

    fixture.supervisor.setRules(STRICTER);
    expect(await thresholdsOn(0)).toEqual([20, 20, 20]);
    expect(await thresholdsOn(1)).toEqual([20, 20, 20]);

    await fixture.supervisor.crash(0);
    await fixture.reached(0, 'ready', 2);
    expect(fixture.spawned.at(-1)).toEqual({ workerId: 0, spawn: 2, rules: STRICTER });
    expect(await thresholdsOn(2)).toEqual([20, 20, 20]);
    expect(await fixture.restartsCounted()).toBe(1);
  });

  it('shutdown asks every worker to stop and returns true once they have, without restarting them', async () => {
    const fixture = new Fixture();
    const forgotten = vi.spyOn(fixture.metrics, 'forgetWorker');
    fixture.supervisor.start();
    await fixture.allReached('ready');

    await expect(fixture.supervisor.shutdown(10_000)).resolves.toBe(true);
    expect(fixture.states.get(0)?.at(-1)).toBe('stopping');
    expect(fixture.states.get(1)?.at(-1)).toBe('stopping');
    expect(forgotten.mock.calls.map(([id]) => id).sort()).toEqual(['0', '1']);
    expect(fixture.supervisor.statuses().map((status) => status.restarts)).toEqual([0, 0]);
    expect(await fixture.restartsCounted()).toBe(0);
    expect(fixture.spawned).toHaveLength(2);
  });

  it('shutdown returns false at the deadline and terminates workers that do not stop', async () => {
    const fixture = new Fixture(() => ({ hang: true }));
    const forgotten = vi.spyOn(fixture.metrics, 'forgetWorker');
    fixture.supervisor.start();
    await fixture.allReached('ready');

    await expect(fixture.supervisor.shutdown(300)).resolves.toBe(false);
    // Both threads exited (terminated), and neither was restarted.
    expect(forgotten.mock.calls.map(([id]) => id).sort()).toEqual(['0', '1']);
    expect(await fixture.restartsCounted()).toBe(0);
    expect(fixture.spawned).toHaveLength(2);
  });
});
