/**
 * The Call Detail Record as the engine sees it after decoding (docs/design.md §2, contract). On the wire a CDR is
 * one JSON object per NATS message with snake_case fields (`call_id`, `caller`, `callee`, `start`, `duration`,
 * …); inside the engine numbers are integers and times are epoch milliseconds.
 */

export interface Cdr {
  /** 1..64 printable characters; unique per call from the switch and used as the `Nats-Msg-Id`. */
  callId: string;
  /** A-number: E.164 digits without `+`, as an integer (at most 15 digits, so always below 2^53). */
  caller: number;
  /** B-number, same rule as `caller`. */
  callee: number;
  /** Call start, epoch milliseconds (wire: ISO-8601 with a zone, or epoch s/ms/µs as a number or digits). */
  startMs: number;
  /** Whole seconds, 0..86400 (wire field `duration`). */
  durationSeconds: number;
  answered?: boolean;
  direction?: CallDirection;
  /** Q.850 release cause, 0..127. */
  cause?: number;
  cell?: string;
  /** 5..15 digits. */
  imsi?: string;
  /** 14..16 digits. */
  imei?: string;
  /** Wire field `switch`. */
  switchId?: string;
  /** Wire field `trunk_in`. */
  trunkIn?: string;
  /** Wire field `trunk_out`. */
  trunkOut?: string;
}

/**
 * The wire form of a CDR (docs/design.md §2): what switches publish and what `encodeCdr` writes. Derived from
 * `Cdr` through `CDR_FIELDS`: the same fields under their wire names, numbers as digit strings, `start` as
 * ISO-8601 text or epoch milliseconds.
 */
export type CdrJson = {
  [K in keyof Cdr as (typeof CDR_FIELDS)[K]]: K extends 'caller' | 'callee'
    ? string
    : K extends 'startMs'
      ? string | number
      : Cdr[K];
};

export const CALL_DIRECTIONS = ['inbound', 'outbound'] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];

/**
 * Why a record was rejected. A closed list: dashboards, the `dead_letters` table and the DLQ header
 * `Sentinel-Reason` carry these values, so add to it, never rename. Only the required fields can reject a
 * record (docs/design.md §2); `invalid_optional_field` is no longer produced (an unusable optional field is
 * dropped, see `CDR_DROP_REASONS`) but stays listed: dead letters written before that change carry it.
 */
export const CDR_REASONS = [
  'invalid_json',
  'not_an_object',
  'too_large',
  'invalid_encoding',
  'missing_field',
  'invalid_call_id',
  'invalid_caller',
  'invalid_callee',
  'invalid_start',
  'start_in_future',
  'bad_duration',
  'invalid_optional_field',
  // A CSV line an input profile could not read (bad quoting, too few columns).
  'invalid_csv',
] as const;
export type CdrReason = (typeof CDR_REASONS)[number];

/**
 * Why an optional field was dropped from an accepted record. A closed list (it labels
 * `sentinel_cdr_fields_dropped_total`): add to it, never rename.
 * - `invalid_value`: the wrong type or spelling (letters in `imsi`, `"yes"` for `answered`, a fraction for
 *   `cause`, an object anywhere, a digit string shorter than its minimum).
 * - `out_of_range`: a whole number outside the field's range (`cause` 0..127).
 * - `too_long`: text longer than the field's limit (64 for `cell`/`switch`/trunks, 15 digits for `imsi`, 16 for
 *   `imei`).
 */
export const CDR_DROP_REASONS = ['invalid_value', 'out_of_range', 'too_long'] as const;
export type CdrDropReason = (typeof CDR_DROP_REASONS)[number];

/** An optional field that was present but unusable, and so left out of the decoded `Cdr`. */
export interface DroppedField {
  /** Wire name (`cause`, `trunk_in`, …). */
  readonly field: string;
  readonly reason: CdrDropReason;
}

export type DecodeResult =
  | {
      ok: true;
      cdr: Cdr;
      /** Optional fields left out, in wire order of the contract; a shared empty array when none was. */
      dropped: readonly DroppedField[];
    }
  | { ok: false; reason: CdrReason; field: string | undefined; message: string };

export interface DecodeOptions {
  /** The clock the future-skew check compares against. @default Date.now() */
  nowMs?: number;
  /** A start further than this ahead of `nowMs` is `start_in_future`. @default 3_600_000 (one hour) */
  maxFutureSkewMs?: number;
  /** Larger messages are `too_large` without being parsed. @default 8_192 (8 KiB) */
  maxBytes?: number;
}

/** Wire field name of each `Cdr` field, for `field` in results, the encoder and `CdrJson`. */
export const CDR_FIELDS = {
  callId: 'call_id',
  caller: 'caller',
  callee: 'callee',
  startMs: 'start',
  durationSeconds: 'duration',
  answered: 'answered',
  direction: 'direction',
  cause: 'cause',
  cell: 'cell',
  imsi: 'imsi',
  imei: 'imei',
  switchId: 'switch',
  trunkIn: 'trunk_in',
  trunkOut: 'trunk_out',
} as const satisfies Record<keyof Cdr, string>;

/** Calls cannot start before this (2000-01-01T00:00:00Z): earlier dates are clock or parsing faults. */
export const MIN_START_MS = 946_684_800_000;
/** @see DecodeOptions.maxFutureSkewMs */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 3_600_000;
/** @see DecodeOptions.maxBytes */
export const DEFAULT_MAX_CDR_BYTES = 8_192;
export const MAX_CALL_ID_LENGTH = 64;
export const MAX_DURATION_SECONDS = 86_400;
/** Limit for the short free-text optional fields (`cell`, `switch`, `trunk_in`, `trunk_out`). */
export const MAX_SHORT_TEXT_LENGTH = 64;
/**
 * Epoch numbers for `start` are read in the unit their size implies: below 1e11 seconds (1e11 s is the year
 * 5138), below 1e14 milliseconds (1e11 ms is 1973, 1e14 ms the year 5138), below 1e17 microseconds (1e14 µs is
 * 1973); from 1e17 on they are not a time. Every unit's range starts before 2000 and ends after 5000, so a
 * real call start is never ambiguous.
 */
export const EPOCH_SECONDS_BELOW = 1e11;
/** @see EPOCH_SECONDS_BELOW */
export const EPOCH_MILLISECONDS_BELOW = 1e14;
/** @see EPOCH_SECONDS_BELOW */
export const EPOCH_MICROSECONDS_BELOW = 1e17;
/** A decimal string longer than this (sign and point included) is not read as a number. */
export const MAX_DECIMAL_TEXT_LENGTH = 32;
