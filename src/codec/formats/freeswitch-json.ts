/**
 * The `freeswitch` profile: one JSON CDR per call leg, as mod_json_cdr writes it to its log directory or POSTs
 * it to a URL.
 *
 * Checked against:
 * - "mod_json_cdr — JSON CDR over HTTP", FreeSWITCH module reference (SignalWire),
 *   https://developer.signalwire.com/freeswitch/module-reference/event-handlers/mod_json_cdr/ , and the
 *   mod_json_cdr page of "FreeSWITCH Explained",
 *   https://developer.signalwire.com/freeswitch/FreeSWITCH-Explained/Modules/mod_json_cdr_4653124 :
 *   `encode-values` (default true) URL-encodes every value, so `+234…` arrives as `%2B234…`; `log-b-leg`
 *   writes a second CDR for the B leg of a bridged call.
 * - The document built by `switch_ivr_generate_json_cdr` (src/switch_ivr.c, signalwire/freeswitch): top-level
 *   `core-uuid`, `switchname`, `channel_data` (`direction`), `variables` (every channel variable, all strings),
 *   and `callflow` — an array in current releases, a repeated `callflow` key holding one object in older ones
 *   (JSON.parse then keeps the last) — whose `caller_profile` has `caller_id_number`, `ani`,
 *   `destination_number`, `uuid` and, on a B leg, `originator.originator_caller_profiles[]`, and whose `times`
 *   are microseconds.
 * - "CDR" in FreeSWITCH Explained (Configuration/CDR, "Calculating Various Time Values For A Call"):
 *   `start_epoch` (s), `start_uepoch` (µs), `answer_epoch` (`0` when never answered), `billsec`, `duration`,
 *   `hangup_cause_q850`.
 *
 * Mapping: caller `variables.caller_id_number`, else the first callflow's `caller_profile.caller_id_number`,
 * else its `ani`; callee `variables.destination_number`, else `caller_profile.destination_number`; start
 * `start_uepoch`, else `start_epoch`, else `times.created_time`; duration `billsec`, else `duration`; answered
 * when `answer_epoch` is set and not 0, or `billsec` > 0; cause `hangup_cause_q850`; direction
 * `variables.direction` (else `channel_data.direction`); switch `switchname`. call_id is `variables.uuid` —
 * except on a B leg, which takes its A leg's uuid (the originator's), so both legs of one call carry one
 * call_id and the second is dropped as a duplicate instead of counting the call twice.
 */
import { normaliseNumber, type NumberPlan } from '../number-normaliser.js';
import { presentText, shortText, urlDecoded, wholeNumberOr } from './field-values.js';
import type { ContractRecord, JsonInputProfile, ProfileOptions, ProfileOutcome } from './input-profile.js';

type JsonObject = Record<string, unknown>;

/** 256 KiB: a CDR with many variables and a long app log still fits; a runaway document does not. */
const MAX_FREESWITCH_RECORD_BYTES = 262_144;
const DECIMAL = /^\d+(\.\d+)?$/;

function objectAt(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

/** The newest callflow: `callflow[0]` in current releases, the object itself in older ones. */
function firstCallflow(record: JsonObject): JsonObject | undefined {
  const callflow = record.callflow;
  return Array.isArray(callflow) ? objectAt(callflow[0]) : objectAt(callflow);
}

function text(source: JsonObject | undefined, key: string): string | undefined {
  const found = presentText(source?.[key]);
  return found === undefined ? undefined : urlDecoded(found);
}

/** Epoch seconds or microseconds as text → integer ms; the text itself when it is not a decimal number. */
function epochMs(raw: string, unit: 's' | 'us'): unknown {
  if (!DECIMAL.test(raw)) return raw;
  // Divide rather than multiply by 0.001: integer µs / 1000 is exact, µs × 0.001 can land a hair below.
  return unit === 'us' ? Math.floor(Number(raw) / 1_000) : Math.round(Number(raw) * 1_000);
}

export class FreeswitchJsonProfile implements JsonInputProfile {
  readonly name = 'freeswitch';
  readonly format = 'json';
  readonly maxRecordBytes = MAX_FREESWITCH_RECORD_BYTES;
  private readonly numberPlan: NumberPlan;

  constructor(options: ProfileOptions = {}) {
    this.numberPlan = options.numberPlan ?? {};
  }

  fromJson(value: JsonObject): ProfileOutcome {
    const variables = objectAt(value.variables);
    const callflow = firstCallflow(value);
    const profile = objectAt(callflow?.caller_profile);
    const record: ContractRecord = {};

    const callId = this.aLegUuid(profile, variables) ?? text(variables, 'uuid') ?? text(profile, 'uuid');
    if (callId !== undefined) record.call_id = callId;

    const caller =
      text(variables, 'caller_id_number') ?? text(profile, 'caller_id_number') ?? text(profile, 'ani');
    if (caller !== undefined) record.caller = normaliseNumber(caller, this.numberPlan);
    const callee = text(variables, 'destination_number') ?? text(profile, 'destination_number');
    if (callee !== undefined) record.callee = normaliseNumber(callee, this.numberPlan);

    const start = this.startMs(variables, callflow);
    if (start !== undefined) record.start = start;

    const billsec = text(variables, 'billsec');
    const duration = billsec ?? text(variables, 'duration');
    if (duration !== undefined) record.duration = wholeNumberOr(duration);

    const answerEpoch = text(variables, 'answer_epoch');
    if (answerEpoch !== undefined || billsec !== undefined) {
      const billed = wholeNumberOr(billsec);
      record.answered =
        (answerEpoch !== undefined && answerEpoch !== '0') || (typeof billed === 'number' && billed > 0);
    }

    const cause = text(variables, 'hangup_cause_q850');
    if (cause !== undefined) record.cause = wholeNumberOr(cause);
    const direction = text(variables, 'direction') ?? text(objectAt(value.channel_data), 'direction');
    if (direction !== undefined) record.direction = direction.toLowerCase();
    const switchName = shortText(presentText(value.switchname));
    if (switchName !== undefined) record.switch = switchName;
    return { ok: true, record };
  }

  /** On a B leg, the uuid of the A leg that originated it (from the originator profile or the variable). */
  private aLegUuid(profile: JsonObject | undefined, variables: JsonObject | undefined): string | undefined {
    const originators = objectAt(profile?.originator)?.originator_caller_profiles;
    const first = Array.isArray(originators) ? objectAt(originators[0]) : undefined;
    return text(first, 'uuid') ?? text(variables, 'originating_leg_uuid');
  }

  private startMs(variables: JsonObject | undefined, callflow: JsonObject | undefined): unknown {
    const micros = text(variables, 'start_uepoch');
    if (micros !== undefined && micros !== '0') return epochMs(micros, 'us');
    const seconds = text(variables, 'start_epoch');
    if (seconds !== undefined && seconds !== '0') return epochMs(seconds, 's');
    const created = text(objectAt(callflow?.times), 'created_time');
    return created === undefined || created === '0' ? undefined : epochMs(created, 'us');
  }
}
