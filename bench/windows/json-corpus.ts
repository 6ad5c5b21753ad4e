/**
 * The synthetic CDRs as wire bytes: one JSON object per record, shaped like a switch's (docs/design.md §2, about
 * 220 bytes), laid end to end in one buffer with an offset table, so the decode passes time decoding only.
 */
import type { SyntheticCdrs } from './synthetic-cdrs.js';

export interface JsonCorpus {
  bytes: Uint8Array;
  /** Record i is `bytes[offsets[i], offsets[i + 1])`. */
  offsets: Float64Array;
}

const TRUNKS = ['TRK-IN-01', 'TRK-IN-07', 'TRK-IN-12', 'TRK-IN-30'];

export function encodeCorpus(data: SyntheticCdrs, startMs: number): JsonCorpus {
  const count = data.callers.length;
  const bytes = Buffer.allocUnsafe(count * 260);
  const offsets = new Float64Array(count + 1);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const duration = data.durations[i]!;
    const json =
      `{"call_id":"sw-lagos-01-${(startMs / 1000 + i).toString(36)}-${i}","caller":"+${data.callers[i]}",` +
      `"callee":"${data.callees[i]}","start":"${new Date(data.startsMs[i]!).toISOString()}",` +
      `"duration":${duration},"answered":${duration > 0},"direction":"outbound","cause":${duration > 0 ? 16 : 19},` +
      `"switch":"sw-lagos-01","trunk_in":"${TRUNKS[i % TRUNKS.length]}"}`;
    at += bytes.write(json, at, json.length, 'latin1');
    offsets[i + 1] = at;
  }
  return { bytes: bytes.subarray(0, at), offsets };
}
