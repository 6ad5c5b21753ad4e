/**
 * Input profile `kamailio`: the per-call JSON record that `deploy/kamailio/kamailio.cfg` publishes on
 * `cdr.feed.kamailio` when a dialog ends (fields and their limits: `deploy/kamailio/README.md`).
 *
 * ```json
 * {"call_id":"1-4711@10.0.0.5","caller":"441632960001","callee":"442079460101","setup":1796533340,
 *  "start":1796533340,"end":1796533343,"duration":3,"duration_ms":3004,"answered":true,"sip_code":200,
 *  "ended_by":"caller","switch":"kamailio-edge-1"}
 * ```
 *
 * Only the conversions the contract cannot know about happen here: epoch seconds become epoch milliseconds,
 * the millisecond duration becomes whole seconds, the SIP final reply becomes a Q.850 cause, and a Call-ID
 * longer than the contract's 64 characters becomes a digest of it.
 * A value that cannot be converted is handed on as written, so the contract validator rejects or drops it
 * with its own reason code; this profile never rejects a record itself.
 */
import { createHash } from 'node:crypto';
import { MAX_CALL_ID_LENGTH } from '../cdr.js';
import type { ContractRecord, JsonInputProfile, ProfileOutcome } from './input-profile.js';

/** The record as the Kamailio configuration writes it. */
export interface KamailioCdr {
  /** The SIP Call-ID of the INVITE dialog. */
  call_id: string;
  /** From-URI user of the INVITE. */
  caller: string;
  /** Request-URI user of the INVITE as it reached the proxy (the dialled number). */
  callee: string;
  /** INVITE arrival, epoch seconds. */
  setup: number;
  /** Answer time (the dialog's start) for answered calls, the INVITE time for failed ones; epoch seconds. */
  start: number;
  /** When the dialog ended, epoch seconds. */
  end: number;
  /** `end − start` in whole seconds of the two clock readings (0 for failed calls). */
  duration: number;
  /** Answer to end, measured in milliseconds (0 for failed calls). */
  duration_ms: number;
  answered: boolean;
  /** The final reply to the INVITE: 200, or the failure (486, 487, 408 when no reply came, …). */
  sip_code: number;
  /**
   * Who ended the call: the side that sent the BYE; for a failed call the callee (its error reply), the caller
   * (487, it cancelled) or `timeout` (no reply); `timeout` too when an answered call outlived the dialog timeout.
   */
  ended_by: 'caller' | 'callee' | 'timeout';
  /** The proxy's configured name (SWITCH_NAME). */
  switch: string;
}

/** Q.850 cause of a call that was answered and then cleared by either side. */
const NORMAL_CLEARING = 16;

/**
 * SIP final reply → Q.850 cause, after RFC 3398 §8.2.6.1 (SIP → ISUP), keeping only the codes where that table
 * and the common gateway tables agree. 400, 481–483, 487 (the caller cancelled), 488, 501 and 606 are mapped
 * differently by different gateways or not at all, so they carry no cause rather than a guessed one.
 */
const Q850_BY_SIP_CODE: ReadonlyMap<number, number> = new Map([
  [401, 21],
  [402, 21],
  [403, 21],
  [404, 1],
  [405, 63],
  [406, 79],
  [407, 21],
  [408, 102],
  [410, 22],
  [413, 127],
  [414, 127],
  [415, 79],
  [416, 127],
  [420, 127],
  [421, 127],
  [423, 127],
  [480, 18],
  [484, 28],
  [485, 1],
  [486, 17],
  [500, 41],
  [502, 38],
  [503, 41],
  [504, 102],
  [505, 127],
  [513, 127],
  [600, 17],
  [603, 21],
  [604, 1],
]);

/** The Q.850 cause for a final reply to an INVITE, or undefined when there is no agreed mapping. */
export function q850CauseOfSipCode(code: number): number | undefined {
  if (code >= 200 && code < 300) return NORMAL_CLEARING;
  return Q850_BY_SIP_CODE.get(code);
}

const DECIMAL_PATTERN = /^\d+(\.\d+)?$/;

/** A non-negative finite number, written as a JSON number or as decimal text; undefined otherwise. */
function readNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && DECIMAL_PATTERN.test(value)) return Number(value);
  return undefined;
}

function readBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === 1) return true;
  if (value === 'false' || value === '0' || value === 0) return false;
  return undefined;
}

/** Epoch seconds (possibly fractional) → epoch milliseconds; anything else is handed on unchanged. */
function startOf(record: Record<string, unknown>): unknown {
  const raw = record.start ?? record.setup;
  const seconds = readNumber(raw);
  return seconds === undefined ? raw : Math.round(seconds * 1000);
}

/**
 * Whole seconds, rounded to the nearest: from `duration_ms` when it is usable, because `duration` subtracts two
 * clock readings taken in whole seconds and is off by up to one second either way.
 */
function durationOf(record: Record<string, unknown>): unknown {
  const milliseconds = readNumber(record.duration_ms);
  if (milliseconds !== undefined) return Math.floor((milliseconds + 500) / 1000);
  const seconds = readNumber(record.duration);
  return seconds === undefined ? record.duration : Math.round(seconds);
}

/**
 * SIP sets no length limit on Call-IDs and SBCs write 100 characters and more; the contract allows 64. A longer
 * one is replaced by a digest of it, so the call is kept, and a re-sent record still gets the same id.
 */
function callIdOf(value: unknown): unknown {
  if (typeof value !== 'string' || value.length <= MAX_CALL_ID_LENGTH) return value;
  return `sha256-${createHash('sha256').update(value).digest('hex').slice(0, 48)}`;
}

function phoneText(value: unknown): unknown {
  return typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
}

export const kamailioJsonProfile: JsonInputProfile = {
  name: 'kamailio',
  format: 'json',
  fromJson(value: Record<string, unknown>): ProfileOutcome {
    const record: ContractRecord = {
      call_id: callIdOf(value.call_id),
      caller: phoneText(value.caller),
      callee: phoneText(value.callee),
      start: startOf(value),
      duration: durationOf(value),
    };
    const answered = readBoolean(value.answered);
    if (answered !== undefined) record.answered = answered;
    const sipCode = readNumber(value.sip_code);
    const cause = sipCode === undefined ? undefined : q850CauseOfSipCode(sipCode);
    if (cause !== undefined) record.cause = cause;
    if (value.switch !== undefined) record.switch = value.switch;
    return { ok: true, record };
  },
};
