/**
 * Records waiting for their arrival time. Calls are generated in start order but reach the collector at
 * end + collection delay, so they must be reordered; this holds them as columns of typed arrays (about 80 bytes
 * a record, no object or string per record) with a binary min-heap on arrival time. Only the calls in flight
 * (roughly rate × (duration + delay)) are ever held, never the whole day.
 */
import type { CallScratch } from './call-model.js';

export const RECORD_KIND = { valid: 0, duplicate: 1, malformed: 2 } as const;
export type RecordKindCode = (typeof RECORD_KIND)[keyof typeof RECORD_KIND];

const FLAG_ANSWERED = 1;
const FLAG_INBOUND = 2;
const INITIAL_CAPACITY = 1 << 12;

export class RecordPool {
  arrivalMs = new Float64Array(INITIAL_CAPACITY);
  startMs = new Float64Array(INITIAL_CAPACITY);
  caller = new Float64Array(INITIAL_CAPACITY);
  callee = new Float64Array(INITIAL_CAPACITY);
  imsi = new Float64Array(INITIAL_CAPACITY);
  imei = new Float64Array(INITIAL_CAPACITY);
  /** Generation order of the call: the stable part of its `call_id`. */
  sequence = new Float64Array(INITIAL_CAPACITY);
  durationSeconds = new Int32Array(INITIAL_CAPACITY);
  cell = new Int32Array(INITIAL_CAPACITY);
  flags = new Uint8Array(INITIAL_CAPACITY);
  cause = new Uint8Array(INITIAL_CAPACITY);
  switchIndex = new Uint8Array(INITIAL_CAPACITY);
  trunkIn = new Uint8Array(INITIAL_CAPACITY);
  trunkOut = new Uint8Array(INITIAL_CAPACITY);
  kind = new Uint8Array(INITIAL_CAPACITY);
  /** Which fault a malformed record carries (see `cdr-json.ts`). */
  fault = new Uint8Array(INITIAL_CAPACITY);

  private capacity = INITIAL_CAPACITY;
  private freeSlots = new Int32Array(INITIAL_CAPACITY);
  private freeCount = 0;
  private nextUnused = 0;
  private heap = new Int32Array(INITIAL_CAPACITY);
  private heapSize = 0;
  /** Most records held at once: the reorder buffer's high-water mark. */
  highWater = 0;

  get size(): number {
    return this.heapSize;
  }

  /** Arrival time of the earliest record held; `Infinity` when empty. */
  peekArrivalMs(): number {
    return this.heapSize === 0
      ? Number.POSITIVE_INFINITY
      : (this.arrivalMs[this.heap[0] as number] as number);
  }

  /** Queues a call; returns its slot. */
  add(call: CallScratch, arrivalMs: number, sequence: number, kind: RecordKindCode, fault: number): number {
    const slot = this.allocate();
    this.arrivalMs[slot] = arrivalMs;
    this.startMs[slot] = call.startMs;
    this.caller[slot] = call.caller;
    this.callee[slot] = call.callee;
    this.imsi[slot] = call.imsi;
    this.imei[slot] = call.imei;
    this.sequence[slot] = sequence;
    this.durationSeconds[slot] = call.durationSeconds;
    this.cell[slot] = call.cell;
    this.flags[slot] = (call.answered ? FLAG_ANSWERED : 0) | (call.inbound ? FLAG_INBOUND : 0);
    this.cause[slot] = call.cause;
    this.switchIndex[slot] = call.switchIndex;
    this.trunkIn[slot] = call.trunkIn;
    this.trunkOut[slot] = call.trunkOut;
    this.kind[slot] = kind;
    this.fault[slot] = fault;
    this.push(slot);
    return slot;
  }

  /** Queues an exact copy of a held or just-popped slot (same bytes on the wire), arriving later. */
  addCopy(source: number, arrivalMs: number, kind: RecordKindCode): number {
    const slot = this.allocate();
    this.arrivalMs[slot] = arrivalMs;
    this.startMs[slot] = this.startMs[source] as number;
    this.caller[slot] = this.caller[source] as number;
    this.callee[slot] = this.callee[source] as number;
    this.imsi[slot] = this.imsi[source] as number;
    this.imei[slot] = this.imei[source] as number;
    this.sequence[slot] = this.sequence[source] as number;
    this.durationSeconds[slot] = this.durationSeconds[source] as number;
    this.cell[slot] = this.cell[source] as number;
    this.flags[slot] = this.flags[source] as number;
    this.cause[slot] = this.cause[source] as number;
    this.switchIndex[slot] = this.switchIndex[source] as number;
    this.trunkIn[slot] = this.trunkIn[source] as number;
    this.trunkOut[slot] = this.trunkOut[source] as number;
    this.kind[slot] = kind;
    this.fault[slot] = this.fault[source] as number;
    this.push(slot);
    return slot;
  }

  isAnswered(slot: number): boolean {
    return ((this.flags[slot] as number) & FLAG_ANSWERED) !== 0;
  }

  isInbound(slot: number): boolean {
    return ((this.flags[slot] as number) & FLAG_INBOUND) !== 0;
  }

  /** Removes the earliest record from the queue; its slot stays readable until `release`. */
  pop(): number {
    const heap = this.heap;
    const top = heap[0] as number;
    const last = heap[--this.heapSize] as number;
    if (this.heapSize > 0) this.siftDown(last);
    return top;
  }

  release(slot: number): void {
    this.freeSlots[this.freeCount++] = slot;
  }

  private allocate(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount] as number;
    if (this.nextUnused === this.capacity) this.grow();
    return this.nextUnused++;
  }

  private push(slot: number): void {
    const heap = this.heap;
    const arrival = this.arrivalMs;
    const key = arrival[slot] as number;
    let at = this.heapSize++;
    if (this.heapSize > this.highWater) this.highWater = this.heapSize;
    while (at > 0) {
      const parentAt = (at - 1) >> 1;
      const parent = heap[parentAt] as number;
      if ((arrival[parent] as number) <= key) break;
      heap[at] = parent;
      at = parentAt;
    }
    heap[at] = slot;
  }

  /** Places `slot` starting from the root, moving smaller children up. */
  private siftDown(slot: number): void {
    const heap = this.heap;
    const arrival = this.arrivalMs;
    const size = this.heapSize;
    const key = arrival[slot] as number;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      const right = child + 1;
      if (
        right < size &&
        (arrival[heap[right] as number] as number) < (arrival[heap[child] as number] as number)
      ) {
        child = right;
      }
      const childSlot = heap[child] as number;
      if ((arrival[childSlot] as number) >= key) break;
      heap[at] = childSlot;
      at = child;
    }
    heap[at] = slot;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    this.arrivalMs = growFloat(this.arrivalMs, capacity);
    this.startMs = growFloat(this.startMs, capacity);
    this.caller = growFloat(this.caller, capacity);
    this.callee = growFloat(this.callee, capacity);
    this.imsi = growFloat(this.imsi, capacity);
    this.imei = growFloat(this.imei, capacity);
    this.sequence = growFloat(this.sequence, capacity);
    this.durationSeconds = growInt(this.durationSeconds, capacity);
    this.cell = growInt(this.cell, capacity);
    this.flags = growByte(this.flags, capacity);
    this.cause = growByte(this.cause, capacity);
    this.switchIndex = growByte(this.switchIndex, capacity);
    this.trunkIn = growByte(this.trunkIn, capacity);
    this.trunkOut = growByte(this.trunkOut, capacity);
    this.kind = growByte(this.kind, capacity);
    this.fault = growByte(this.fault, capacity);
    const freeSlots = new Int32Array(capacity);
    freeSlots.set(this.freeSlots);
    this.freeSlots = freeSlots;
    const heap = new Int32Array(capacity);
    heap.set(this.heap);
    this.heap = heap;
    this.capacity = capacity;
  }
}

function growFloat(array: Float64Array, capacity: number): Float64Array<ArrayBuffer> {
  const grown = new Float64Array(capacity);
  grown.set(array);
  return grown;
}

function growInt(array: Int32Array, capacity: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(capacity);
  grown.set(array);
  return grown;
}

function growByte(array: Uint8Array, capacity: number): Uint8Array<ArrayBuffer> {
  const grown = new Uint8Array(capacity);
  grown.set(array);
  return grown;
}
