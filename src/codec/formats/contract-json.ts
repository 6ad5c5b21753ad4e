/**
 * The `contract` profile: records already in Sentinel's own CDR JSON (docs/design.md §2, docs/api.md). It
 * maps nothing; it exists so the contract can travel the same roads as switch formats — the feed subject
 * `cdr.feed.contract` for publishers that cannot compute partitions, `sentinel publish --profile contract`,
 * and dead-letter replays.
 */
import { DEFAULT_MAX_CDR_BYTES } from '../cdr.js';
import type { ContractRecord, JsonInputProfile, ProfileOutcome } from './input-profile.js';

export class ContractJsonProfile implements JsonInputProfile {
  readonly name = 'contract';
  readonly format = 'json';
  readonly maxRecordBytes = DEFAULT_MAX_CDR_BYTES;

  fromJson(value: Record<string, unknown>): ProfileOutcome {
    return { ok: true, record: value as ContractRecord };
  }
}
