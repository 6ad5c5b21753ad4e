/**
 * The short chaos scenario that runs with every `npm test` (the full suite is `npm run test:chaos`): on a
 * 3-node NATS cluster with R3 streams, two engines consume a known stream while a twin of one of them (same
 * configuration, same INSTANCE_NAME) joins, and then the original is SIGKILLed. Nothing may be lost or doubled,
 * the alerts must be an uninterrupted run's, and no partition may go unowned longer than the takeover bound.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChaosStack } from './support/chaos-stack.js';

describe('chaos (short): twin, then SIGKILL of the original, on a 3-node NATS cluster', () => {
  let stack: ChaosStack;

  beforeAll(async () => {
    stack = await ChaosStack.start({ partitions: 4, fraudsters: 4, normalCallers: 500, seed: 31 });
  });

  afterAll(async () => {
    await stack?.cleanup();
  });

  it('loses nothing, doubles nothing, alerts as an uninterrupted run would', async () => {
    const [original] = await stack.startEngines(['chaos-a', 'chaos-b']);
    await stack.watchLeases();
    await stack.publish(0, 0.4);

    const faultAtMs = Date.now();
    // The twin joins and the partitions are split with it while records flow; the original dies mid-publish.
    const [twin] = await Promise.all([stack.startEngine('chaos-a'), stack.publish(0.4, 0.7)]);
    expect(twin.pid).not.toBe(original!.pid);
    const publishing = stack.publish(0.7, 1);
    await stack.kill(original!);
    await publishing;

    await stack.verifyExactlyOnce(faultAtMs);
  }, 120_000);
});
