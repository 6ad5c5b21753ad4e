/**
 * One call pattern written twice: once typed as the contract shows it (numbers, booleans, ISO times), once
 * with every value a string as FreeSWITCH's JSON CDR and CSV exports write them (`"duration":"1"`,
 * `"cause":"16"`, `"answered":"true"`, `start` as epoch seconds in a string). Different call ids and callers;
 * the same callees, times, durations and optional fields, so both must give the same rows and alerts.
 */

export const TYPED_CALLER = '2348051000001';
export const STRING_CALLER = '2348051000002';
export const FEED_SWITCH = 'msc-ikeja-2';

export interface TwinFeeds {
  typed: Record<string, unknown>[];
  strings: Record<string, string>[];
}

/**
 * `calls` calls starting at `startSeconds`, `spacingSeconds` apart: the first `shortCalls` are one-second
 * calls to distinct callees (an SDHF burst once there are more than 50), the rest ordinary calls.
 */
export function sameFeedTwice(
  startSeconds: number,
  calls = 64,
  shortCalls = 56,
  spacingSeconds = 2,
): TwinFeeds {
  const typed: Record<string, unknown>[] = [];
  const strings: Record<string, string>[] = [];
  for (let k = 0; k < calls; k++) {
    const seconds = startSeconds + k * spacingSeconds;
    const short = k < shortCalls;
    const callee = `2348062${String(k).padStart(6, '0')}`;
    const duration = short ? 1 : 95 + k;
    const answered = k % 7 !== 3;
    const cause = answered ? 16 : 19;
    typed.push({
      call_id: `typed-${k}`,
      caller: `+${TYPED_CALLER}`,
      callee,
      start: new Date(seconds * 1_000).toISOString(),
      duration,
      answered,
      direction: 'outbound',
      cause,
      cell: `LAG-${k % 5}`,
      imsi: `62120${String(k).padStart(10, '0')}`,
      imei: `35693803${String(k).padStart(7, '0')}`,
      switch: FEED_SWITCH,
      trunk_in: 'TRK-IN-1',
      trunk_out: 'TRK-OUT-9',
    });
    strings.push({
      call_id: `strings-${k}`,
      caller: STRING_CALLER,
      callee: `+${callee}`,
      start: String(seconds),
      duration: String(duration),
      answered: answered ? 'true' : 'false',
      direction: 'outbound',
      cause: String(cause),
      cell: `LAG-${k % 5}`,
      imsi: `62120${String(k).padStart(10, '0')}`,
      imei: `35693803${String(k).padStart(7, '0')}`,
      switch: FEED_SWITCH,
      trunk_in: 'TRK-IN-1',
      trunk_out: 'TRK-OUT-9',
    });
  }
  return { typed, strings };
}
