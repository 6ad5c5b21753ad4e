/**
 * CDR partitioning (docs/design.md §2, contract): `p = fnv1a32(caller digits) mod P`, published on `cdr.in.<p>`.
 *
 * This is exactly what nats-server's `{{partition(P, n)}}` subject mapping computes (server/subject_transform.go,
 * `getHashPartition`): 32-bit FNV-1a over the bytes of the wildcard token, then `% P` on the unsigned
 * value. So on a server ≥ 2.10 a stream transform `cdr.raw.*` → `cdr.in.{{partition(16,1)}}` could place
 * records for publishers, and both sides agree on which partition (and so which shard) owns a caller.
 */

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

const utf8 = new TextEncoder();

/** 32-bit FNV-1a of bytes, as an unsigned integer. */
export function fnv1a32Bytes(bytes: Uint8Array): number {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < bytes.length; i++) {
    hash = Math.imul(hash ^ (bytes[i] as number), FNV_PRIME);
  }
  return hash >>> 0;
}

/** 32-bit FNV-1a of the UTF-8 bytes of `text`, as an unsigned integer (what nats-server hashes). */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // ASCII is its own UTF-8; anything else takes the encoder so multi-byte characters hash like the server.
    if (code >= 0x80) return fnv1a32Bytes(utf8.encode(text));
    hash = Math.imul(hash ^ code, FNV_PRIME);
  }
  return hash >>> 0;
}

function checkPartitions(partitions: number): void {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  }
}

/** The partition of a caller given as its digits (no `+`). */
export function partitionOf(callerDigits: string, partitions: number): number {
  checkPartitions(partitions);
  return fnv1a32(callerDigits) % partitions;
}

// Digits of a number, least significant first; 16 places cover every E.164 number (15 digits).
const digitScratch = new Uint8Array(16);

/**
 * The partition of a caller given as its E.164 integer, without building the digit string (the shard hot
 * path holds callers as integers). Same result as `partitionOf(String(caller), partitions)`.
 */
export function partitionOfCaller(caller: number, partitions: number): number {
  checkPartitions(partitions);
  if (!Number.isSafeInteger(caller) || caller < 0 || caller >= 1e16)
    return partitionOf(String(caller), partitions);
  let count = 0;
  let rest = caller;
  do {
    digitScratch[count++] = rest % 10;
    rest = Math.floor(rest / 10);
  } while (rest > 0);
  let hash = FNV_OFFSET_BASIS;
  for (let i = count - 1; i >= 0; i--) hash = Math.imul(hash ^ (48 + (digitScratch[i] as number)), FNV_PRIME);
  return (hash >>> 0) % partitions;
}
