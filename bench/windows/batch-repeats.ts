/**
 * `node dist/bench/windows/batch-repeats.js`: how often an event's caller already appeared earlier in the same
 * pull, on the window benchmark's day of CDRs (synthetic-cdrs.ts), per pull size and partition count. This is
 * the most that grouping a pull's events by caller before touching window state could save: only a repeated
 * caller's record, ring header and newest entries can be reused from cache. Prints one JSON line per case.
 */
import { parseArgs } from 'node:util';
import { partitionOfCaller } from '../../src/codec/index.js';
import { benchmarkDay } from './synthetic-cdrs.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    pulls: { type: 'string', default: '500,5000' },
    partitions: { type: 'string', default: '1,16' },
  },
});
const events = Number(values.events);
const { cdrs } = benchmarkDay(events);
for (const pull of values.pulls.split(',').map(Number))
  for (const partitions of values.partitions.split(',').map(Number)) {
    // Each partition's events arrive in pulls of their own, in stream order.
    const seen = Array.from({ length: partitions }, () => new Set<number>());
    const inPull = new Array<number>(partitions).fill(0);
    let repeats = 0;
    for (let i = 0; i < events; i++) {
      const caller = cdrs.callers[i]!;
      const p = partitions === 1 ? 0 : partitionOfCaller(caller, partitions);
      const callers = seen[p]!;
      if (callers.has(caller)) repeats++;
      else callers.add(caller);
      if (++inPull[p]! === pull) {
        inPull[p] = 0;
        callers.clear();
      }
    }
    const repeatShare = Math.round((repeats / events) * 10_000) / 10_000;
    process.stdout.write(`${JSON.stringify({ events, pull, partitions, repeatShare })}\n`);
  }
