/**
 * A decoded CDR as the row the sink stores, built as one object literal with every column present in a fixed
 * order (absent optional fields as `undefined`, which every reader treats as absent).
 *
 * The row used to be `{ ...cdr, caller, callee, partition, streamSeq, late }`: objects cloned by spread and then
 * overwritten got a hidden class of their own (about one in twelve shared one in a 1,000-row sample), so every
 * read of a row — the sink's checks, the COPY encoder — went megamorphic. With one shape the checks and the
 * encoding of a row measured about ten and three times faster (bench/README.md).
 */
import type { Cdr } from '../codec/index.js';
import { numberDigits } from '../codec/index.js';
import type { CallRecordRow } from './batch-types.js';

/** Every key of T present (optional ones possibly undefined): adding a column to the row type fails here first. */
type AllKeys<T> = { [K in keyof Required<T>]: T[K] };

export function callRecordRow(
  cdr: Cdr,
  partition: number,
  streamSeq: number,
  late: boolean,
  replayOf: number | undefined,
): CallRecordRow {
  const row: AllKeys<CallRecordRow> = {
    callId: cdr.callId,
    caller: numberDigits(cdr.caller),
    callee: numberDigits(cdr.callee),
    startMs: cdr.startMs,
    durationSeconds: cdr.durationSeconds,
    answered: cdr.answered,
    direction: cdr.direction,
    cause: cdr.cause,
    cell: cdr.cell,
    imsi: cdr.imsi,
    imei: cdr.imei,
    switchId: cdr.switchId,
    trunkIn: cdr.trunkIn,
    trunkOut: cdr.trunkOut,
    partition,
    streamSeq,
    late,
    replayOf,
  };
  return row as CallRecordRow;
}
