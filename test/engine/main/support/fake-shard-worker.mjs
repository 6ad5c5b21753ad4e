/**
 * A stand-in shard worker for the supervisor tests: speaks src/engine/protocol.ts and nothing else, no NATS,
 * no Postgres. Plain JavaScript so it runs as a worker thread without a build. `workerData` is a
 * `WorkerStartup` plus `fake`, which says how to misbehave:
 *   crashOnStart  throw before posting anything (the thread exits with code 1)
 *   hang          become ready, then never answer a request nor stop when asked
 *   appliedUpTo   the highest sequence `wait-applied` reports as applied (default 0)
 * A caller query is answered with one window per SDHF threshold the worker holds (`uniqueDestinations` is the
 * threshold's `minDistinctCallees`), so a test can see which rules reached it.
 */
import { setImmediate } from 'node:timers';
import { parentPort, workerData } from 'node:worker_threads';

const startup = workerData;
const fake = startup.fake ?? {};
let rules = startup.rules;

if (fake.crashOnStart === true) throw new Error(`fake shard worker ${startup.workerId} crashed on start`);

const post = (message) => parentPort.postMessage(message);

function snapshot(partition) {
  if (!startup.partitions.includes(partition)) return undefined;
  return {
    partition,
    worker: startup.workerId,
    stats: {
      caller: 0,
      latestEventAtMs: 0,
      windows: rules.sdhf.map((threshold) => ({
        windowMs: threshold.windowMs,
        callCount: 0,
        distinctCallees: threshold.minDistinctCallees,
        totalDurationSeconds: 0,
        avgDurationSeconds: threshold.maxAvgDurationSeconds,
        windowStartMs: 0,
        windowEndMs: 0,
        firstEventAtMs: null,
        lastEventAtMs: null,
      })),
      openEpisodes: [],
    },
  };
}

parentPort.on('message', (message) => {
  if (message.type === 'rules') {
    rules = message.rules;
    return;
  }
  if (fake.hang === true) return;
  switch (message.type) {
    case 'caller-query':
      post({ type: 'caller-result', requestId: message.requestId, snapshot: snapshot(message.partition) });
      return;
    case 'wait-applied':
      post({
        type: 'applied',
        requestId: message.requestId,
        applied: startup.partitions.includes(message.partition) && message.seq <= (fake.appliedUpTo ?? 0),
      });
      return;
    case 'shutdown':
      post({ type: 'state', state: 'stopping' });
      post({ type: 'stopped' });
      setImmediate(() => process.exit(0));
      return;
  }
});

post({ type: 'state', state: 'replaying' });
post({
  type: 'metrics',
  report: {
    counters: [['sentinel_records_consumed_total', { phase: 'live' }, 10 + startup.workerId]],
    gauges: [],
    histograms: [],
    latencyCentroids: [],
  },
  health: {
    bufferedRows: startup.workerId,
    sinkCircuit: 'closed',
    consumerPending: {},
    window: { callers: 0, eventsHeld: 0, bytes: 0 },
    lastEventTimeMs: 0,
  },
});
post({ type: 'state', state: 'ready' });
