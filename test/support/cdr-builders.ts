/**
 * Builders for CDR JSON in tests: small, explicit, deterministic.
 */
export interface CdrJson {
  call_id: string;
  caller: string;
  callee: string;
  start: string | number;
  duration: number;
  [field: string]: unknown;
}

export function cdr(
  callId: string,
  caller: string,
  callee: string,
  startMs: number,
  duration: number,
): CdrJson {
  return { call_id: callId, caller, callee, start: new Date(startMs).toISOString(), duration };
}

export interface MixedStream {
  records: { json: string; callId: string; caller: string }[];
  /** Valid, unique records: what call_records must hold. */
  validCallIds: Set<string>;
  invalidCount: number;
  sdhfCallers: string[];
  normalCallers: string[];
}

/**
 * A stream with normal callers, SDHF callers (many distinct callees, 1–2 s calls), invalid records and
 * late records, all within the last hour so the default windows see them.
 */
export function mixedStream(options: {
  nowMs: number;
  sdhfCallers: number;
  normalCallers: number;
  seed?: number;
}): MixedStream {
  let state = options.seed ?? 7;
  const random = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const records: MixedStream['records'] = [];
  const validCallIds = new Set<string>();
  const sdhfCallers: string[] = [];
  const normalCallers: string[] = [];
  const base = options.nowMs - 50 * 60_000;
  const push = (record: CdrJson, valid: boolean): void => {
    records.push({ json: JSON.stringify(record), callId: record.call_id, caller: String(record.caller) });
    if (valid) validCallIds.add(record.call_id);
  };
  for (let i = 0; i < options.sdhfCallers; i++) {
    const caller = `23480${String(1_000_000 + i).padStart(8, '0')}`;
    sdhfCallers.push(caller);
    for (let k = 0; k < 80; k++) {
      push(
        cdr(
          `sdhf-${i}-${k}`,
          caller,
          `23490${String(10_000_000 + i * 1_000 + k)}`,
          base + k * 20_000,
          1 + (k % 2),
        ),
        true,
      );
    }
  }
  for (let i = 0; i < options.normalCallers; i++) {
    const caller = `23470${String(2_000_000 + i).padStart(8, '0')}`;
    normalCallers.push(caller);
    const calls = 1 + Math.floor(random() * 6);
    for (let k = 0; k < calls; k++) {
      const callee = `23491${String(20_000_000 + Math.floor(random() * 5))}`;
      push(
        cdr(
          `norm-${i}-${k}`,
          caller,
          callee,
          base + Math.floor(random() * 45 * 60_000),
          20 + Math.floor(random() * 300),
        ),
        true,
      );
    }
  }
  // Invalid: bad caller, negative duration, broken JSON.
  const invalid = [
    JSON.stringify(cdr('bad-1', '+234ABC123', '2348011111111', base, 5)),
    JSON.stringify(cdr('bad-2', '2348011111111', '2348022222222', base, -3)),
    '{"call_id": "bad-3", "caller": ',
  ];
  for (const json of invalid) records.push({ json, callId: `invalid-${records.length}`, caller: '0' });
  return { records, validCallIds, invalidCount: invalid.length, sdhfCallers, normalCallers };
}
