/**
 * The worker recorder's counter keys: one counter per metric and label set, whatever order the labels were
 * written in, and never two label sets folded into one (the keys are built without arrays for zero or one
 * label, and sorted for more).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WorkerMetricsRecorder } from '../../src/metrics/index.js';

describe('WorkerMetricsRecorder counter keys', () => {
  it('adds up per label set, independent of label order, and keeps distinct sets apart', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            reason: fc.constantFrom('a', 'b', 'a,b', 'b=a'),
            field: fc.option(fc.constantFrom('x', 'y'), { nil: undefined }),
            swap: fc.boolean(),
          }),
          { maxLength: 40 },
        ),
        (incs) => {
          const recorder = new WorkerMetricsRecorder();
          const expected = new Map<string, number>();
          for (const { reason, field, swap } of incs) {
            const labels: Record<string, string> =
              field === undefined ? { reason } : swap ? { field, reason } : { reason, field };
            recorder.inc('sentinel_cdr_fields_dropped_total', labels);
            const key = JSON.stringify([reason, field ?? null]);
            expected.set(key, (expected.get(key) ?? 0) + 1);
          }
          recorder.inc('sentinel_replay_records_total');
          const counted = new Map<string, number>();
          for (const [name, labels, value] of recorder.drain().counters) {
            if (name !== 'sentinel_cdr_fields_dropped_total') {
              expect([name, labels, value]).toEqual(['sentinel_replay_records_total', {}, 1]);
              continue;
            }
            const key = JSON.stringify([labels.reason, labels.field ?? null]);
            expect(counted.has(key)).toBe(false);
            counted.set(key, value);
          }
          expect(counted).toEqual(expected);
        },
      ),
    );
  });
});
