/**
 * The chaos suite (`npm run test:chaos`): three engine processes on a 3-node NATS cluster (R3 streams, every
 * node in NATS_URL, one Postgres database) consume a known stream of CDRs with known fraudsters while one fault
 * happens per scenario. After each: every valid CDR in call_records exactly once, every expected alert stored
 * and published exactly once with an uninterrupted run's figures, every fraudster alerted, and no partition
 * without a live owner for longer than the takeover bound (ChaosStack.verifyExactlyOnce). Each scenario has its
 * own cluster and database.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ChaosStack } from './support/chaos-stack.js';

const SCENARIO_TIMEOUT_MS = 240_000;

describe('chaos suite: 3 engines on a 3-node NATS cluster', () => {
  let stack: ChaosStack | undefined;

  afterEach(async () => {
    await stack?.cleanup();
    stack = undefined;
  });

  it(
    '(a) SIGKILL of an engine mid-stream: its partitions are taken over, nothing lost or doubled',
    async () => {
      stack = await ChaosStack.start({ seed: 41 });
      const [, victim] = await stack.startEngines(['chaos-a', 'chaos-b', 'chaos-c']);
      await stack.watchLeases();
      await stack.publish(0, 0.4);
      const faultAtMs = Date.now();
      const publishing = stack.publish(0.4, 0.8);
      await stack.kill(victim!);
      await publishing;
      await stack.publish(0.8, 1);
      await stack.verifyExactlyOnce(faultAtMs);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    '(b) a twin with the same configuration as a running engine: harmless, it takes its share',
    async () => {
      stack = await ChaosStack.start({ seed: 42 });
      const [original] = await stack.startEngines(['chaos-a', 'chaos-b', 'chaos-c']);
      await stack.watchLeases();
      await stack.publish(0, 0.4);
      const faultAtMs = Date.now();
      const [twin] = await Promise.all([stack.startEngine('chaos-a'), stack.publish(0.4, 0.8)]);
      expect(twin.pid).not.toBe(original!.pid);
      await stack.publish(0.8, 1);
      await stack.verifyExactlyOnce(faultAtMs);
      // The twin is a member with its own token and does work: 4 members share the partitions.
      const holders = new Set((await stack.watchLeases()).holderPids().values());
      expect(holders.has(twin.pid), 'the twin holds a partition').toBe(true);
      expect(holders.has(original!.pid), 'the original still holds a partition').toBe(true);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    '(c) SIGKILL of the NATS node leading the most CDR streams, then its restart',
    async () => {
      stack = await ChaosStack.start({ seed: 43 });
      await stack.startEngines(['chaos-a', 'chaos-b', 'chaos-c']);
      await stack.watchLeases();
      await stack.publish(0, 0.4);
      const node = await stack.busiestStreamLeader();
      const faultAtMs = Date.now();
      const publishing = stack.publish(0.4, 0.8);
      await stack.cluster.killNode(node);
      await publishing;
      await stack.publish(0.8, 0.9);
      await stack.verifyExactlyOnce(faultAtMs);
      expect(stack.engines.size, 'engines still running with one NATS node down').toBe(3);

      const restartAtMs = Date.now();
      await stack.cluster.restartNode(node);
      await stack.publish(0.9, 1);
      await stack.verifyExactlyOnce(restartAtMs);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    '(d) scale 1 → 3 → 2 instances while records flow',
    async () => {
      stack = await ChaosStack.start({ seed: 44 });
      await stack.startEngine('chaos-a');
      await stack.watchLeases();
      await stack.publish(0, 0.3);
      const scaleOutAtMs = Date.now();
      const [, third] = await Promise.all([
        stack.startEngine('chaos-b'),
        stack.startEngine('chaos-c'),
        stack.publish(0.3, 0.6),
      ]);
      await stack.verifyExactlyOnce(scaleOutAtMs);
      const spread = new Set((await stack.watchLeases()).holderPids().values());
      expect(spread.size, 'partitions spread over the three instances').toBe(3);

      const scaleInAtMs = Date.now();
      await Promise.all([stack.terminate(third), stack.publish(0.6, 1)]);
      await stack.verifyExactlyOnce(scaleInAtMs);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
