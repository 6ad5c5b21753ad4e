/**
 * Call records encoded to COPY text the moment they arrive, kept off the V8 heap until their batch commits.
 *
 * A pending batch used to hold one row object (and its strings) per record until the COPY, i.e. for up to
 * `SINK_MAX_BUFFERED_ROWS` rows: every one survived two scavenges and was promoted, and garbage collection took
 * about a fifth of a shard worker's time while draining (bench/README.md). Here a row is checked
 * (row-checks.ts) and encoded on `add`, its bytes go into 1 MiB Buffers (external memory, never copied by the
 * GC), and only its partition, sequence and byte range are kept, in typed arrays. The row object dies young.
 *
 * At commit `select` drops the rows of fenced partitions and those at or below the committed offset (the
 * rule `aboveFloor` applies to row objects) and returns the bytes to COPY: the buffers themselves when every
 * row stays (the normal case), otherwise the kept ranges. Rows the checks refuse, and replayed dead letters,
 * are not taken (`add` returns false): they keep the row-object path, which turns them into dead letters or
 * claims their replay.
 */
import type { CallRecordRow } from './batch-types.js';
import { encodeCallRecord } from './copy-text.js';
import { dayNumber } from './daily-partitions.js';
import { checkCallRecord } from './row-checks.js';

const CHUNK_BYTES = 1 << 20;
const INITIAL_ROWS = 1_024;

export interface SelectedRecords {
  chunks: Buffer[];
  rows: number;
  /** Rows left out: at or below their partition's committed offset, or of a fenced partition. */
  skipped: number;
}

export class EncodedCallRecords {
  private readonly chunks: Buffer[] = [];
  private used = 0;
  private count = 0;
  private partitions = new Int32Array(INITIAL_ROWS);
  private seqs = new Float64Array(INITIAL_ROWS);
  /** Row i's bytes end at `ends[i]` in chunk `chunkOf[i]` (and start where row i−1 ended in the same chunk). */
  private ends = new Int32Array(INITIAL_ROWS);
  private chunkOf = new Int32Array(INITIAL_ROWS);
  private readonly dayNumbers = new Set<number>();
  private lastDay = Number.NaN;

  get rows(): number {
    return this.count;
  }

  /** UTC day numbers of the rows' start times (their `call_records` partitions must exist). */
  get days(): ReadonlySet<number> {
    return this.dayNumbers;
  }

  /** Encodes and keeps `row`; false when it must take the row-object path (refused by the checks, or a replay). */
  add(row: CallRecordRow): boolean {
    if (row.replayOf !== undefined || checkCallRecord(row) !== undefined) return false;
    const line = encodeCallRecord(row);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: a line that might not fit starts a new chunk.
    let chunk = this.chunks[this.chunks.length - 1];
    if (chunk === undefined || this.used + line.length * 3 > chunk.length) {
      chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, line.length * 3));
      this.chunks.push(chunk);
      this.used = 0;
    }
    this.used += chunk.write(line, this.used, 'utf8');
    if (this.count === this.ends.length) this.grow();
    const i = this.count++;
    this.partitions[i] = row.partition;
    this.seqs[i] = row.streamSeq;
    this.ends[i] = this.used;
    this.chunkOf[i] = this.chunks.length - 1;
    const day = dayNumber(row.startMs);
    if (day !== this.lastDay) {
      this.lastDay = day;
      this.dayNumbers.add(day);
    }
    return true;
  }

  /** Calls `fold(partition, seq)` for every row (for the batch's offsets). */
  forEachPosition(fold: (partition: number, seq: number) => void): void {
    for (let i = 0; i < this.count; i++) fold(this.partitions[i]!, this.seqs[i]!);
  }

  /**
   * The bytes to COPY: rows of partitions in `fenced` and rows at or below `committed` (per partition, raised
   * by every row kept, as `aboveFloor` does) are left out.
   */
  select(committed: ReadonlyMap<number, number>, fenced: ReadonlySet<number>): SelectedRecords {
    const floor = new Map(committed);
    const keep = new Uint8Array(this.count);
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      const partition = this.partitions[i]!;
      const seq = this.seqs[i]!;
      if (fenced.has(partition) || seq <= (floor.get(partition) ?? 0)) continue;
      floor.set(partition, seq);
      keep[i] = 1;
      kept++;
    }
    if (kept === this.count) return { chunks: this.filledChunks(), rows: kept, skipped: 0 };
    // Kept rows that follow each other in one chunk go out as one range.
    const chunks: Buffer[] = [];
    let runChunk = -1;
    let runStart = 0;
    let runEnd = 0;
    for (let i = 0; i < this.count; i++) {
      if (keep[i] === 0) continue;
      const c = this.chunkOf[i]!;
      const start = i > 0 && this.chunkOf[i - 1] === c ? this.ends[i - 1]! : 0;
      if (c === runChunk && start === runEnd) {
        runEnd = this.ends[i]!;
        continue;
      }
      if (runEnd > runStart) chunks.push(this.chunks[runChunk]!.subarray(runStart, runEnd));
      runChunk = c;
      runStart = start;
      runEnd = this.ends[i]!;
    }
    if (runEnd > runStart) chunks.push(this.chunks[runChunk]!.subarray(runStart, runEnd));
    return { chunks, rows: kept, skipped: this.count - kept };
  }

  private filledChunks(): Buffer[] {
    const last = this.chunks.length - 1;
    return this.chunks.map((chunk, c) =>
      c === last ? chunk.subarray(0, this.used) : chunk.subarray(0, this.endOfChunk(c)),
    );
  }

  /** Where the last row written into chunk `c` ends (a chunk is left with unused room when a row did not fit). */
  private endOfChunk(c: number): number {
    // Rows are appended in chunk order: the last row of chunk c is the one before the first row of chunk c+1.
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.chunkOf[mid]! <= c) lo = mid;
      else hi = mid - 1;
    }
    return this.ends[lo]!;
  }

  private grow(): void {
    const size = this.ends.length * 2;
    const widen = <T extends Int32Array | Float64Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.partitions = widen(this.partitions, new Int32Array(size));
    this.seqs = widen(this.seqs, new Float64Array(size));
    this.ends = widen(this.ends, new Int32Array(size));
    this.chunkOf = widen(this.chunkOf, new Int32Array(size));
  }
}
