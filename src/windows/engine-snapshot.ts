/**
 * Snapshot format (version 5: block headers of one unit per window and 4-byte callee-index slots, see
 * block-events.ts and callee-index.ts; version 4 snapshots are still read and upgraded by
 * snapshot-upgrade.ts; version 4: cases; version 3: the partition clock and feed delay of ADR 0011 replace version
 * 2's max event time), little-endian, byte offsets 8-aligned:
 *
 *   "SNTW" u32 version | window count u32 | windows f64[] | lateness, feed delay, expected callers, expected
 *   events, partition clock, sweep hand, events held (f64 each) | caller table: size u32, byte length u32, slots |
 *   slab: chunk count u32, bump chunk i32, bump offset u32, live units f64, free heads (byte length u32 +
 *   u32[]), chunks (byte length u32 + bytes each) | rule ids (count u32, then length u32 + UTF-8 each) |
 *   episodes (count u32, then caller f64, slot index u32, emissions u32, severity u32, start f64, last f64) |
 *   cases (count u32, then rule index u32, open u32, caller f64, opened at f64, sequence u32, reopen count
 *   u32, severity u32, peak u32, trigger window f64, quiet from f64, closed at f64, last event f64, then
 *   count, distinct, duration sum f64 per window)
 *
 * The caller table and slab are copied byte for byte, so a restored engine is the same machine in the same
 * state, sweep position included. Typed arrays are in platform byte order: snapshots move between
 * little-endian hosts only (x86-64, arm64).
 */
import type { AlertLifecycle, Episode } from './alert-lifecycle.js';
import { CallerTable } from './caller-table.js';
import type { CaseState } from './case-tracker.js';
import type { ResolvedEngineOptions } from './engine-options.js';
import { SnapshotError } from './errors.js';
import { Slab, type SlabState } from './slab.js';
import { upgradeV4Store } from './snapshot-upgrade.js';

const MAGIC = 0x57544e53; // "SNTW"
const VERSION = 5;
/** The previous version, whose slab layouts `upgradeV4Store` rewrites on restore. */
const UPGRADABLE_VERSION = 4;

export interface SnapshotSource {
  options: ResolvedEngineOptions;
  clockMs: number;
  sweepHand: number;
  store: { callers: CallerTable; slab: Slab; eventsHeld: number };
  ruleIds: readonly string[];
  lifecycle: AlertLifecycle;
  cases: Iterable<CaseState>;
}

export interface RestoredEngineState {
  options: ResolvedEngineOptions;
  clockMs: number;
  sweepHand: number;
  store: { callers: CallerTable; slab: Slab; eventsHeld: number };
  ruleIds: string[];
  episodes: { caller: number; slotIndex: number; episode: Episode }[];
  cases: CaseState[];
}

const pad8 = (n: number): number => (n + 7) & ~7;

class Writer {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  offset = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u32(value: number): void {
    this.view.setUint32(this.offset, value, true);
    this.offset += 4;
  }
  f64(value: number): void {
    this.offset = pad8(this.offset);
    this.view.setFloat64(this.offset, value, true);
    this.offset += 8;
  }
  raw(data: Uint8Array): void {
    this.u32(data.byteLength);
    this.offset = pad8(this.offset);
    this.bytes.set(data, this.offset);
    this.offset = pad8(this.offset + data.byteLength);
  }
}

class Reader {
  private readonly view: DataView;
  offset = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number): void {
    if (this.offset + n > this.bytes.byteLength) throw new SnapshotError('snapshot is truncated');
  }
  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }
  f64(): number {
    this.offset = pad8(this.offset);
    this.need(8);
    const value = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return value;
  }
  /** A copy in a fresh, aligned buffer. */
  raw(): ArrayBuffer {
    const length = this.u32();
    this.offset = pad8(this.offset);
    this.need(length);
    const copy = new ArrayBuffer(length);
    new Uint8Array(copy).set(this.bytes.subarray(this.offset, this.offset + length));
    this.offset = pad8(this.offset + length);
    return copy;
  }
}

function byteView(array: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

export function writeSnapshot(source: SnapshotSource): Uint8Array {
  const slab: SlabState = source.store.slab.exportState();
  const episodes: { caller: number; slotIndex: number; episode: Episode }[] = [];
  for (const [caller, list] of source.lifecycle.entries()) {
    list.forEach((episode, slotIndex) => {
      if (episode !== undefined) episodes.push({ caller, slotIndex, episode });
    });
  }
  const ruleIds = source.ruleIds.map((id) => new TextEncoder().encode(id));
  const callerBytes = byteView(source.store.callers.u32);
  let size = 64 + source.options.windowsMs.length * 8 + 64;
  size += 16 + callerBytes.byteLength;
  size +=
    64 + slab.freeHeads.byteLength + slab.chunks.reduce((total, chunk) => total + 16 + chunk.byteLength, 0);
  size += 8 + ruleIds.reduce((total, id) => total + 16 + id.byteLength, 0);
  size += 8 + episodes.length * 40;
  const cases = [...source.cases];
  const windowCount = source.options.windowsMs.length;
  size += 8 + cases.length * (96 + windowCount * 24);
  const w = new Writer(pad8(size));
  w.u32(MAGIC);
  w.u32(VERSION);
  w.u32(source.options.windowsMs.length);
  for (const windowMs of source.options.windowsMs) w.f64(windowMs);
  w.f64(source.options.allowedLatenessMs);
  w.f64(source.options.feedDelayMs);
  w.f64(source.options.expectedCallers);
  w.f64(source.options.expectedEvents);
  w.f64(source.clockMs);
  w.f64(source.sweepHand);
  w.f64(source.store.eventsHeld);
  w.u32(source.store.callers.size);
  w.raw(callerBytes);
  w.u32(slab.chunks.length);
  w.u32(slab.bumpChunk >>> 0);
  w.u32(slab.bumpOffset);
  w.f64(slab.liveUnits);
  w.raw(byteView(slab.freeHeads));
  for (const chunk of slab.chunks) w.raw(chunk);
  w.u32(ruleIds.length);
  for (const id of ruleIds) w.raw(id);
  w.u32(episodes.length);
  for (const { caller, slotIndex, episode } of episodes) {
    w.f64(caller);
    w.u32(slotIndex);
    w.u32(episode.emissions);
    w.u32(episode.severity);
    w.f64(episode.startMs);
    w.f64(episode.lastEmittedAtMs);
  }
  w.u32(cases.length);
  for (const state of cases) {
    w.u32(state.ruleIndex);
    w.u32(state.open ? 1 : 0);
    w.f64(state.caller);
    w.f64(state.openedAtMs);
    w.u32(state.sequence);
    w.u32(state.reopenCount);
    w.u32(state.severity);
    w.u32(state.peakSeverity);
    w.f64(state.triggerWindowMs);
    w.f64(state.quietFromMs);
    w.f64(state.closedAtMs);
    w.f64(state.lastEventAtMs);
    for (let i = 0; i < windowCount * 3; i++) w.f64(state.figures[i] ?? 0);
  }
  return w.bytes.subarray(0, w.offset);
}

export function readSnapshot(bytes: Uint8Array): RestoredEngineState {
  const r = new Reader(bytes);
  if (r.u32() !== MAGIC) throw new SnapshotError('not a window engine snapshot');
  const version = r.u32();
  if (version !== VERSION && version !== UPGRADABLE_VERSION) {
    throw new SnapshotError(
      `snapshot format version ${version} is not supported (this engine reads versions ${UPGRADABLE_VERSION} and ${VERSION}): rebuild from the stream`,
    );
  }
  const windowCount = r.u32();
  if (windowCount < 1 || windowCount > 16) throw new SnapshotError('snapshot has a bad window count');
  const windowsMs = Array.from({ length: windowCount }, () => r.f64());
  const options: ResolvedEngineOptions = {
    windowsMs,
    allowedLatenessMs: r.f64(),
    feedDelayMs: r.f64(),
    expectedCallers: r.f64(),
    expectedEvents: r.f64(),
  };
  const clockMs = r.f64();
  const sweepHand = r.f64();
  const eventsHeld = r.f64();
  const callerSize = r.u32();
  const callers = new CallerTable(0, r.raw());
  callers.size = callerSize;
  const chunkCount = r.u32();
  const bumpChunk = r.u32() | 0;
  const bumpOffset = r.u32();
  const liveUnits = r.f64();
  const freeHeads = new Uint32Array(r.raw());
  if (freeHeads.length !== Slab.classCount)
    throw new SnapshotError('snapshot slab has a different size-class table');
  const chunks = Array.from({ length: chunkCount }, () => new Uint8Array(r.raw()));
  const slab = Slab.fromState({ chunks, bumpChunk, bumpOffset, freeHeads, liveUnits });
  if (version === UPGRADABLE_VERSION) upgradeV4Store(callers, slab, windowCount);
  const ruleIds = Array.from({ length: r.u32() }, () => new TextDecoder().decode(r.raw()));
  const episodes = Array.from({ length: r.u32() }, () => {
    const caller = r.f64();
    const slotIndex = r.u32();
    const emissions = r.u32();
    const severity = r.u32();
    const startMs = r.f64();
    const lastEmittedAtMs = r.f64();
    return { caller, slotIndex, episode: { startMs, emissions, severity, lastEmittedAtMs } };
  });
  const cases = Array.from({ length: r.u32() }, (): CaseState => {
    const ruleIndex = r.u32();
    if (ruleIndex >= ruleIds.length) throw new SnapshotError('snapshot has a case of an unknown rule');
    const open = r.u32() === 1;
    return {
      ruleIndex,
      open,
      caller: r.f64(),
      openedAtMs: r.f64(),
      sequence: r.u32(),
      reopenCount: r.u32(),
      severity: r.u32(),
      peakSeverity: r.u32(),
      triggerWindowMs: r.f64(),
      quietFromMs: r.f64(),
      closedAtMs: r.f64(),
      lastEventAtMs: r.f64(),
      figures: Array.from({ length: windowCount * 3 }, () => r.f64()),
      dueMs: 0,
      heapIndex: -1,
    };
  });
  return {
    options,
    clockMs,
    sweepHand,
    store: { callers, slab, eventsHeld },
    ruleIds,
    episodes,
    cases,
  };
}
