/**
 * callRecordRow: the row the sink stores from a decoded CDR. It must carry exactly what the spread it replaced
 * carried (every field the CDR has, numbers as digit strings, the stream position), nothing more that a
 * reader could see.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numberDigits } from '../../src/codec/index.js';
import { callRecordRow } from '../../src/sinks/index.js';
import { validCdr } from '../support/cdr-arbitraries.js';

describe('callRecordRow', () => {
  it('holds every field of the CDR, the digits of its numbers and its stream position', () => {
    fc.assert(
      fc.property(
        validCdr,
        fc.integer({ min: 0, max: 1_023 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.boolean(),
        fc.option(fc.integer({ min: 1, max: 1e9 }), { nil: undefined }),
        (cdr, partition, seq, late, replayOf) => {
          const row = callRecordRow(cdr, partition, seq, late, replayOf);
          const spread = {
            ...cdr,
            caller: numberDigits(cdr.caller),
            callee: numberDigits(cdr.callee),
            partition,
            streamSeq: seq,
            late,
            ...(replayOf === undefined ? {} : { replayOf }),
          };
          // Present keys with values: the same; absent ones read as undefined and serialise as absent.
          const defined = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined));
          expect(defined).toStrictEqual(spread);
          expect(JSON.parse(JSON.stringify(row))).toStrictEqual(JSON.parse(JSON.stringify(spread)));
        },
      ),
      { numRuns: 500 },
    );
  });
});
