/**
 * The synthetic CDRs as wire bytes: one JSON object per record, shaped like a switch's (docs/design.md §2, about
 * 220 bytes), laid end to end in one buffer with an offset table, so the decode passes time decoding only.
 *
 * Two spellings of the same records: `typed` as the contract's own encoder would write them (numbers and
 * booleans as JSON numbers and booleans, `start` as ISO-8601), and `strings`, every value a string the way
 * FreeSWITCH's JSON CDR and most mediation exports write them (`"duration":"12"`, `"answered":"true"`,
 * `"cause":"16"`, `start` as epoch seconds, milliseconds or microseconds in turn).
 */
import type { SyntheticCdrs } from './synthetic-cdrs.js';

export interface JsonCorpus {
  bytes: Uint8Array;
  /** Record i is `bytes[offsets[i], offsets[i + 1])`. */
  offsets: Float64Array;
}

export type CorpusSpelling = 'typed' | 'strings';

const TRUNKS = ['TRK-IN-01', 'TRK-IN-07', 'TRK-IN-12', 'TRK-IN-30'];

/** `start` as an epoch digit string in seconds, milliseconds or microseconds, by record. */
function epochText(startMs: number, i: number): string {
  switch (i % 3) {
    case 0:
      return String(Math.floor(startMs / 1000));
    case 1:
      return String(startMs);
    default:
      return `${startMs}000`;
  }
}

function recordJson(data: SyntheticCdrs, i: number, startMs: number, spelling: CorpusSpelling): string {
  const duration = data.durations[i]!;
  const callStartMs = data.startsMs[i]!;
  const strings = spelling === 'strings';
  // Field order and values as before the string spelling existed, so typed figures compare with old runs.
  const start = strings ? epochText(callStartMs, i) : new Date(callStartMs).toISOString();
  const durationJson = strings ? `"${duration}"` : String(duration);
  const answeredJson = strings ? `"${duration > 0}"` : String(duration > 0);
  const cause = duration > 0 ? 16 : 19;
  return (
    `{"call_id":"sw-lagos-01-${(startMs / 1000 + i).toString(36)}-${i}","caller":"+${data.callers[i]}",` +
    `"callee":"${data.callees[i]}","start":"${start}",` +
    `"duration":${durationJson},"answered":${answeredJson},"direction":"outbound",` +
    `"cause":${strings ? `"${cause}"` : cause},` +
    `"switch":"sw-lagos-01","trunk_in":"${TRUNKS[i % TRUNKS.length]}"}`
  );
}

export function encodeCorpus(
  data: SyntheticCdrs,
  startMs: number,
  spelling: CorpusSpelling = 'typed',
): JsonCorpus {
  const count = data.callers.length;
  const bytes = Buffer.allocUnsafe(count * 260);
  const offsets = new Float64Array(count + 1);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const json = recordJson(data, i, startMs, spelling);
    at += bytes.write(json, at, json.length, 'latin1');
    offsets[i + 1] = at;
  }
  return { bytes: bytes.subarray(0, at), offsets };
}
