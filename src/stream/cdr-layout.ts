/**
 * Where a partition's CDRs are stored. Publishers always publish on `cdr.in.<p>`; the layout only decides
 * which stream holds that subject:
 * - `per-partition` (the default for new deployments): one stream per partition, `CDR_P00`, `CDR_P01`, …,
 *   each holding only `cdr.in.<p>`. Every partition has its own sequence numbers without gaps, its own RAFT
 *   group (leaders spread over a cluster), and a consumer that needs no subject filter — on nats-server 2.9 a
 *   filtered consumer on a shared stream walks every other partition's messages, which measured twice the
 *   server CPU per delivered CDR (docs/adr/0012-cdr-stream-per-partition.md).
 * - `single`: the v1 layout, one stream `CDR` on `cdr.in.*`; kept so an existing deployment keeps running on
 *   the stream that holds its last day of CDRs until it migrates.
 */
import type { JetStreamManager } from '@nats-io/jetstream';

export type CdrLayoutKind = 'per-partition' | 'single';

export interface CdrLayout {
  kind: CdrLayoutKind;
  /** The stream that holds partition `p`'s records. */
  streamOf(partition: number): string;
  /** The subject filter a consumer of `p` needs on that stream (undefined: the stream holds only `p`). */
  filterOf(partition: number): string | undefined;
}

/** `CDR` → `CDR_P03`: the stream of partition 3 in the per-partition layout. */
export function partitionStreamName(cdrStream: string, partition: number): string {
  return `${cdrStream}_P${String(partition).padStart(2, '0')}`;
}

export function cdrLayout(kind: CdrLayoutKind, cdrStream: string, subjectPrefix: string): CdrLayout {
  return kind === 'single'
    ? {
        kind,
        streamOf: () => cdrStream,
        filterOf: (partition) => `${subjectPrefix}.${partition}`,
      }
    : {
        kind,
        streamOf: (partition) => partitionStreamName(cdrStream, partition),
        filterOf: () => undefined,
      };
}

/**
 * `auto` keeps a deployment on the layout it already has: the v1 stream (`CDR` on `cdr.in.*`) exists → `single`;
 * otherwise `per-partition`. The two cannot coexist: their subjects would overlap.
 */
export async function resolveCdrLayoutKind(
  jsm: JetStreamManager,
  wanted: CdrLayoutKind | 'auto',
  cdrStream: string,
): Promise<CdrLayoutKind> {
  if (wanted !== 'auto') return wanted;
  try {
    await jsm.streams.info(cdrStream);
    return 'single';
  } catch {
    return 'per-partition';
  }
}
