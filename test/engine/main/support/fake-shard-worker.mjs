/**
 * A stand-in shard worker for the supervisor tests: speaks src/engine/protocol.ts and nothing else, no NATS,
 * no Postgres. Plain JavaScript so it runs as a worker thread without a build. Like the real one it starts
 * with no partitions and runs those it is assigned. `workerData` is a `WorkerStartup` plus `fake`, which says
 * how to behave:
 *   crashOnStart       throw before posting anything (the thread exits with code 1)
 *   hang               become ready, then never answer a request nor stop when asked
 *   appliedUpTo        the highest sequence `wait-applied` reports as applied (default 0)
 *   failFirstOpen      partitions whose first `assign` in this thread reports `failed` (later ones open)
 *   fenceOnOpen        partitions whose `assign` reports `fenced` (a newer owner claimed them)
 *   stayReplaying      partitions that stay `replaying` and never report `ready`
 *   releaseDelayMs     how long a `release` takes before `released` is reported (default 20)
 *   ignoreRelease      never answer a `release`
 *   lastEvaluatedAtMs  reported in the health as when a live CDR was last evaluated (default 0)
 * Every partition report carries `worker <id> epoch <epoch>` as its detail, so a test sees which worker opened
 * a partition under which epoch. A caller query is answered, for a partition this worker runs, with one window
 * per SDHF threshold it holds (`distinctCallees` is the threshold's `minDistinctCallees`), so a test can see
 * which rules reached it.
 */
import { setImmediate, setTimeout } from 'node:timers';
import { parentPort, workerData } from 'node:worker_threads';

const startup = workerData;
const fake = startup.fake ?? {};
let rules = startup.rules;
/** partition → epoch it runs under */
const running = new Map();
const openAttempts = new Map();

if (fake.crashOnStart === true) throw new Error(`fake shard worker ${startup.workerId} crashed on start`);

const post = (message) => parentPort.postMessage(message);
const report = (partition, state, epoch) =>
  post({ type: 'partition', partition, state, detail: `worker ${startup.workerId} epoch ${epoch}` });
const listed = (name, partition) => (fake[name] ?? []).includes(partition);

function snapshot(partition) {
  if (!running.has(partition)) return undefined;
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

function open(partition, epoch) {
  const attempt = (openAttempts.get(partition) ?? 0) + 1;
  openAttempts.set(partition, attempt);
  report(partition, 'opening', epoch);
  if (listed('fenceOnOpen', partition)) return report(partition, 'fenced', epoch);
  if (listed('failFirstOpen', partition) && attempt === 1) return report(partition, 'failed', epoch);
  running.set(partition, epoch);
  report(partition, 'replaying', epoch);
  if (!listed('stayReplaying', partition)) report(partition, 'ready', epoch);
}

parentPort.on('message', (message) => {
  if (message.type === 'rules') {
    rules = message.rules;
    return;
  }
  if (fake.hang === true) return;
  switch (message.type) {
    case 'assign':
      open(message.partition, message.epoch);
      return;
    case 'release': {
      if (fake.ignoreRelease === true) return;
      const epoch = running.get(message.partition);
      setTimeout(() => {
        running.delete(message.partition);
        report(message.partition, 'released', epoch);
      }, fake.releaseDelayMs ?? 20);
      return;
    }
    case 'drop': {
      const epoch = running.get(message.partition);
      running.delete(message.partition);
      report(message.partition, 'released', epoch);
      return;
    }
    case 'caller-query':
      post({ type: 'caller-result', requestId: message.requestId, snapshot: snapshot(message.partition) });
      return;
    case 'wait-applied':
      post({
        type: 'applied',
        requestId: message.requestId,
        applied: running.has(message.partition) && message.seq <= (fake.appliedUpTo ?? 0),
      });
      return;
    case 'shutdown':
      post({ type: 'state', state: 'stopping' });
      for (const [partition, epoch] of running) report(partition, 'released', epoch);
      post({ type: 'stopped' });
      setImmediate(() => process.exit(0));
      return;
  }
});

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
    lastEvaluatedAtMs: fake.lastEvaluatedAtMs ?? 0,
  },
});
post({ type: 'state', state: 'ready' });
