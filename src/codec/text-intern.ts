/**
 * A small cache of strings made from bytes, for the decoder's short text fields whose values repeat from record
 * to record (`switch`, `trunk_in`, `trunk_out`, `cell`): a switch sends a handful of switch and trunk names and
 * a few thousand cells. Cutting a string out of a message is a native call that costs more than the rest of
 * reading the field; comparing the bytes with the ones that made a cached string is a short loop, and a hit
 * returns that same string (strings are immutable, so sharing one is invisible to the caller).
 *
 * Direct-mapped: a slot is picked from the length and three bytes, a miss overwrites it. Bounded memory
 * (1,024 slots of up to 64 bytes), no eviction bookkeeping.
 */
import { latin1Text } from './ascii-text.js';

const SLOTS = 1_024;
/** Texts longer than this are made directly, not cached. */
export const MAX_INTERNED_LENGTH = 64;

const cachedBytes = new Uint8Array(SLOTS * MAX_INTERNED_LENGTH);
/** 0 for an empty slot (empty texts are never cached). */
const cachedLength = new Uint8Array(SLOTS);
const cachedText: string[] = new Array<string>(SLOTS).fill('');

/** `bytes[start, end)`, printable ASCII, as a string: cached when seen recently, made and cached otherwise. */
export function internAsciiText(bytes: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length > MAX_INTERNED_LENGTH || length === 0) return latin1Text(bytes, start, end);
  const slot =
    (length * 31 + bytes[start]! * 7 + bytes[end - 1]! * 131 + bytes[start + (length >> 1)]! * 17) &
    (SLOTS - 1);
  const base = slot * MAX_INTERNED_LENGTH;
  if (cachedLength[slot] === length) {
    let i = 0;
    while (i < length && cachedBytes[base + i] === bytes[start + i]) i++;
    if (i === length) return cachedText[slot]!;
  }
  const text = latin1Text(bytes, start, end);
  for (let i = 0; i < length; i++) cachedBytes[base + i] = bytes[start + i]!;
  cachedLength[slot] = length;
  cachedText[slot] = text;
  return text;
}
