/**
 * A pooled slab of 16-byte units for per-caller blocks (event rings and callee indexes).
 *
 * Why not one ArrayBuffer per caller: ~300k heavy callers would cost an object, a backing store and GC work
 * each. Why not one growable buffer: copying gigabytes to grow it is a long pause, and resizable ArrayBuffers
 * are 2–4× slower to index on Node 20 (measured). So: chunks of up to 2^22 units (64 MiB; the first sized
 * from the expected events, later ones a sixteenth of what is already held), blocks in
 * size classes growing by 1.5× (4, 6, 8, 12, 16, … units), freed blocks kept on an intrusive free list per
 * class. A block pointer is `chunk << 22 | unitOffset`, a u32.
 */
import { WindowCapacityError } from './errors.js';

export const UNIT_BYTES = 16;
export const CHUNK_OFFSET_BITS = 22;
export const CHUNK_OFFSET_MASK = (1 << CHUNK_OFFSET_BITS) - 1;
export const MAX_BLOCK_UNITS = 1 << CHUNK_OFFSET_BITS;
const MAX_CHUNKS = 1024;
const MIN_CHUNK_UNITS = 1024;
export const NO_BLOCK = 0xffffffff;

/** Size of class `c` in units: 4, 6, 8, 12, 16, 24, … */
export function classUnits(c: number): number {
  if (c === 0) return 4;
  const b = ((c - 1) >> 1) + 2;
  return (c & 1) === 1 ? 3 * 2 ** (b - 1) : 2 ** (b + 1);
}

/** Smallest class holding `units`. */
export function sizeClassOf(units: number): number {
  if (units <= 4) return 0;
  const b = 31 - Math.clz32(units - 1);
  return units <= 3 * 2 ** (b - 1) ? 2 * (b - 2) + 1 : 2 * (b - 2) + 2;
}

const CLASS_COUNT = sizeClassOf(MAX_BLOCK_UNITS) + 1;
const CLASS_UNITS = Array.from({ length: CLASS_COUNT }, (_, c) => classUnits(c));

/** The size a request for `units` is rounded up to. */
export function roundedBlockUnits(units: number): number {
  return CLASS_UNITS[sizeClassOf(units)] ?? MAX_BLOCK_UNITS;
}

/**
 * Chunks after the first grow by a sixteenth of what is held: the unused end of the newest chunk is at most
 * ~6% of the slab (an eighth left 17 MB of the benchmark's 245 MB untouched), and a slab of a few GB is still
 * well under the 1,024-chunk limit.
 */
function nextChunkUnitsAfter(allocatedUnits: number): number {
  return Math.min(MAX_BLOCK_UNITS, Math.max(MIN_CHUNK_UNITS, Math.ceil(allocatedUnits / 16)));
}

export interface SlabState {
  chunks: Uint8Array[];
  bumpChunk: number;
  bumpOffset: number;
  freeHeads: Uint32Array;
  liveUnits: number;
}

export class Slab {
  /** Views per chunk; hot code indexes these directly with `ptr >>> CHUNK_OFFSET_BITS`. */
  readonly f64: Float64Array[] = [];
  readonly u32: Uint32Array[] = [];
  private readonly chunkUnits: number[] = [];
  private bumpChunk = -1;
  private bumpOffset = 0;
  private readonly freeHeads = new Uint32Array(CLASS_COUNT).fill(NO_BLOCK);
  private nextChunkUnits: number;
  /** Units handed out and not yet freed. */
  liveUnits = 0;

  constructor(expectedUnits: number) {
    this.nextChunkUnits = Math.min(MAX_BLOCK_UNITS, Math.max(MIN_CHUNK_UNITS, Math.ceil(expectedUnits)));
  }

  /** A block of `roundedBlockUnits(units)` units. Contents are whatever was there before. */
  alloc(units: number): number {
    if (units > MAX_BLOCK_UNITS) throw new WindowCapacityError('a caller block', units, MAX_BLOCK_UNITS);
    const c = sizeClassOf(units);
    const size = CLASS_UNITS[c]!;
    this.liveUnits += size;
    const head = this.freeHeads[c]!;
    if (head !== NO_BLOCK) {
      this.freeHeads[c] = this.u32[head >>> CHUNK_OFFSET_BITS]![(head & CHUNK_OFFSET_MASK) * 4]!;
      return head;
    }
    const split = this.splitLarger(c);
    if (split !== NO_BLOCK) return split;
    if (this.bumpChunk < 0 || this.bumpOffset + size > this.chunkUnits[this.bumpChunk]!) this.newChunk(size);
    const ptr = ((this.bumpChunk << CHUNK_OFFSET_BITS) | this.bumpOffset) >>> 0;
    this.bumpOffset += size;
    return ptr;
  }

  /** A block whose units are all zero. */
  allocZeroed(units: number): number {
    const ptr = this.alloc(units);
    const offset = (ptr & CHUNK_OFFSET_MASK) * 4;
    this.u32[ptr >>> CHUNK_OFFSET_BITS]!.fill(0, offset, offset + roundedBlockUnits(units) * 4);
    return ptr;
  }

  /** Returns a block; `units` must be what it was allocated with (or its rounded size). */
  free(ptr: number, units: number): void {
    const c = sizeClassOf(units);
    this.liveUnits -= CLASS_UNITS[c]!;
    this.pushFree(ptr, c);
  }

  get allocatedBytes(): number {
    let units = 0;
    for (const size of this.chunkUnits) units += size;
    return units * UNIT_BYTES;
  }

  private pushFree(ptr: number, c: number): void {
    this.u32[ptr >>> CHUNK_OFFSET_BITS]![(ptr & CHUNK_OFFSET_MASK) * 4] = this.freeHeads[c]!;
    this.freeHeads[c] = ptr;
  }

  private newChunk(minUnits: number): void {
    if (this.bumpChunk >= 0) this.retireTail();
    if (this.chunkUnits.length >= MAX_CHUNKS) {
      throw new WindowCapacityError(
        'the event slab',
        (this.chunkUnits.length + 1) * MAX_BLOCK_UNITS,
        MAX_CHUNKS * MAX_BLOCK_UNITS,
      );
    }
    const units = Math.max(minUnits, this.nextChunkUnits);
    this.addChunk(new ArrayBuffer(units * UNIT_BYTES));
    this.nextChunkUnits = nextChunkUnitsAfter(this.allocatedBytes / UNIT_BYTES);
    this.bumpChunk = this.chunkUnits.length - 1;
    this.bumpOffset = 0;
  }

  private addChunk(buffer: ArrayBuffer): void {
    this.f64.push(new Float64Array(buffer));
    this.u32.push(new Uint32Array(buffer));
    this.chunkUnits.push(buffer.byteLength / UNIT_BYTES);
  }

  /**
   * A block of class `c` cut from the front of a free block of the smallest larger class that has one, its
   * rest going back to the free lists; NO_BLOCK when there is none. Blocks freed as rings grow (and as callee
   * indexes are rebuilt) would otherwise wait for a caller of their exact size while new chunk memory is
   * handed out: on the benchmark's first day that stranded ~6% of the slab. Only runs when class `c`'s own
   * list is empty.
   */
  private splitLarger(c: number): number {
    const size = CLASS_UNITS[c]!;
    for (let larger = c + 1; larger < CLASS_COUNT; larger++) {
      const block = this.freeHeads[larger]!;
      if (block === NO_BLOCK) continue;
      const rest = CLASS_UNITS[larger]! - size;
      // Every class is at least 4 units: a smaller rest could not go on any list and would be lost.
      if (rest < CLASS_UNITS[0]!) continue;
      const chunk = block >>> CHUNK_OFFSET_BITS;
      this.freeHeads[larger] = this.u32[chunk]![(block & CHUNK_OFFSET_MASK) * 4]!;
      this.freeRange(chunk, (block & CHUNK_OFFSET_MASK) + size, rest);
      return block;
    }
    return NO_BLOCK;
  }

  /** Units `[offset, offset + units)` of a chunk become free blocks, largest classes first. */
  private freeRange(chunk: number, offset: number, units: number): number {
    let left = units;
    while (left >= CLASS_UNITS[0]!) {
      let c = sizeClassOf(left);
      if (CLASS_UNITS[c]! > left) c -= 1;
      this.pushFree(((chunk << CHUNK_OFFSET_BITS) | offset) >>> 0, c);
      offset += CLASS_UNITS[c]!;
      left -= CLASS_UNITS[c]!;
    }
    return offset;
  }

  /** The end of a full chunk becomes free blocks, so nothing is lost. */
  private retireTail(): void {
    this.bumpOffset = this.freeRange(
      this.bumpChunk,
      this.bumpOffset,
      this.chunkUnits[this.bumpChunk]! - this.bumpOffset,
    );
  }

  /** Shares the chunk memory (no copy); the snapshot writer copies it out. */
  exportState(): SlabState {
    return {
      chunks: this.u32.map((view) => new Uint8Array(view.buffer)),
      bumpChunk: this.bumpChunk,
      bumpOffset: this.bumpOffset,
      freeHeads: this.freeHeads,
      liveUnits: this.liveUnits,
    };
  }

  static fromState(state: SlabState): Slab {
    const slab = new Slab(MIN_CHUNK_UNITS);
    for (const bytes of state.chunks) {
      const copy = new ArrayBuffer(bytes.byteLength);
      new Uint8Array(copy).set(bytes);
      slab.addChunk(copy);
    }
    slab.nextChunkUnits = nextChunkUnitsAfter(slab.allocatedBytes / UNIT_BYTES);
    slab.bumpChunk = state.bumpChunk;
    slab.bumpOffset = state.bumpOffset;
    slab.freeHeads.set(state.freeHeads);
    slab.liveUnits = state.liveUnits;
    return slab;
  }

  static get classCount(): number {
    return CLASS_COUNT;
  }
}
