/**
 * CDR messages for driving NATS directly from k6 (xk6-nats): the JSON contract of docs/design.md §2, the subject
 * `<prefix>.<fnv1a32(caller digits) mod P>` and `Nats-Msg-Id` = call_id, exactly what the engine's own
 * publisher sends. Import-free like `sentinel-api.ts`, so vitest checks it in Node.
 */

export type EnvMap = Readonly<Record<string, string | undefined>>;

export interface NatsPlan {
  /** e.g. `nats://localhost:4222`. */
  natsUrl: string;
  partitions: number;
  subjectPrefix: string;
  /** Messages a second. */
  rate: number;
  duration: string;
  /** `core` (fire and forget into the stream's subjects) or `jetstream` (wait for each PubAck). */
  mode: 'core' | 'jetstream';
  seed: number;
}

/** `NATS_URL`, `PARTITIONS` (16), `SUBJECT_PREFIX` (cdr.in), `NATS_RATE` (1000/s), `NATS_DURATION` (1m), `NATS_MODE`, `SEED`. */
export function readNatsPlan(env: EnvMap): NatsPlan {
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
  const mode = env.NATS_MODE ?? 'core';
  if (mode !== 'core' && mode !== 'jetstream')
    throw new Error(`NATS_MODE must be core or jetstream, got ${JSON.stringify(mode)}`);
  const duration = env.NATS_DURATION ?? '1m';
  if (!/^(\d+h)?(\d+m(?!s))?(\d+s)?$/.test(duration) || duration === '') {
    throw new Error(`NATS_DURATION must be a k6 duration such as 30s or 2m, got ${JSON.stringify(duration)}`);
  }
  return {
    natsUrl: env.NATS_URL ?? 'nats://localhost:4222',
    partitions: integer('PARTITIONS', 16, 1, 10_000),
    subjectPrefix: env.SUBJECT_PREFIX ?? 'cdr.in',
    rate: integer('NATS_RATE', 1000, 1, 10_000_000),
    duration,
    mode,
    seed: integer('SEED', 1, 0, 2 ** 31 - 1),
  };
}

/** 32-bit FNV-1a of an ASCII string (caller digits): the hash of the partitioning contract. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

export interface CdrMessage {
  subject: string;
  data: string;
  headers: Record<string, string>;
}

const SUBSCRIBERS = 100_000;
const SUBSCRIBER_BASE = 2_348_030_000_000;
const SDHF_BASE = 2_348_179_950_000;
const SDHF_CALLERS = 4;

/**
 * Message `n` of a run: mostly ordinary calls, every 20th from one of four SDHF callers (0–2 s calls to
 * distinct numbers), so the engine has something to alert on. Deterministic in (seed, n); `nowMs` stamps it.
 */
export function cdrMessage(plan: NatsPlan, n: number, nowMs: number, vu = 0): CdrMessage {
  const mix = fnv1a32(`${plan.seed}:${vu}:${n}`);
  const sdhf = n % 20 === 0;
  const caller = sdhf ? SDHF_BASE + (mix % SDHF_CALLERS) : SUBSCRIBER_BASE + (mix % SUBSCRIBERS);
  const callee = SUBSCRIBER_BASE + (fnv1a32(`${mix}:b`) % SUBSCRIBERS);
  const duration = sdhf ? mix % 3 : 5 + (fnv1a32(`${mix}:d`) % 300);
  // The call ended a few seconds ago; its record arrives now.
  const startMs = Math.floor((nowMs - (duration + 5) * 1000) / 1000) * 1000;
  const callId = `k6-${plan.seed}-${vu}-${n}`;
  const callerDigits = String(caller);
  const record = {
    call_id: callId,
    caller: callerDigits,
    callee: String(callee),
    start: new Date(startMs).toISOString(),
    duration,
    answered: duration > 0,
    direction: 'outbound',
    cause: duration > 0 ? 16 : 19,
    switch: 'K6-LOAD',
  };
  return {
    subject: `${plan.subjectPrefix}.${fnv1a32(callerDigits) % plan.partitions}`,
    data: JSON.stringify(record),
    headers: { 'Nats-Msg-Id': callId },
  };
}
