/**
 * The simulated network's numbering: a Nigerian-style plan (country code 234, ten national digits), so every
 * number is 13 digits and fits an integer exactly. Every identifier is a pure function of (seed, index), which
 * is what lets a million subscribers exist without a million objects.
 *
 * | range | who |
 * |---|---|
 * | `234` + 803/806/813/816/703/706/903/906 + 7 digits | our mobile subscribers, SIM-box SIMs, SDHF SIMs |
 * | `234` + 802/808/805/807 + 7 digits | other operators' subscribers (off-net callees) |
 * | `2347000` + 6 digits | flash-call OTP senders (`FLASH_CALL_PREFIX`, the allowlist case) |
 * | `2341270` + 6 digits | call-centre lines (Lagos fixed range) |
 * | `2348099` + 6 digits | the operator's network probe SIMs and their test responders |
 * | 44…, 1…, 971…, 86… | foreign callers on international inbound calls |
 */
import { digitsOf } from './digit-strings.js';
import { hash32, hashUnit } from './prng.js';

/** Prefix of every flash-call OTP sender's A-number: the value to put on the allowlist. */
export const FLASH_CALL_PREFIX = '2347000';
/** Prefix of the call-centre lines. */
export const CALL_CENTRE_PREFIX = '2341270';
/** Prefix of the operator's probe SIMs (`…0xxxx`) and test responders (`…9xxxx`). */
export const PROBE_PREFIX = '2348099';
/** Mobile Country Code and Network Code of the simulated operator (IMSI prefix, cell global ids). */
export const HOME_MCC_MNC = '62130';

const MOBILE_PREFIXES = [803, 806, 813, 816, 703, 706, 903, 906] as const;
const OFF_NET_PREFIXES = [802, 808, 805, 807] as const;
const NATIONAL_BASE = 2_340_000_000_000; // 234 followed by ten zeros
const SEVEN_DIGITS = 10_000_000;
const MOBILE_CAPACITY = MOBILE_PREFIXES.length * SEVEN_DIGITS;
/** How many of our mobile numbers exist: subscribers plus every SIM-box or SDHF SIM must fit. */
export const MOBILE_NUMBER_CAPACITY = MOBILE_CAPACITY;

const FLASH_CALL_BASE = Number(FLASH_CALL_PREFIX) * 1_000_000;
const CALL_CENTRE_BASE = Number(CALL_CENTRE_PREFIX) * 1_000_000;
const PROBE_BASE = Number(PROBE_PREFIX) * 1_000_000;
const IMSI_BASE = Number(HOME_MCC_MNC) * 10_000_000_000;
const TEN_DIGITS = 10_000_000_000;

/** Regions: share of subscribers, location-area codes, the MSC that serves them. */
export const REGIONS = [
  { name: 'Lagos', share: 0.45, lacBase: 1000, lacCount: 100, switches: [0, 1] },
  { name: 'Abuja', share: 0.2, lacBase: 2000, lacCount: 50, switches: [2] },
  { name: 'Port Harcourt', share: 0.15, lacBase: 3000, lacCount: 40, switches: [3] },
  { name: 'Kano', share: 0.2, lacBase: 4000, lacCount: 40, switches: [4] },
] as const;

/**
 * The MSCs and how each formats its records: vendors differ, and the engine must accept both forms of
 * `start` and numbers with or without `+` (docs/design.md §2).
 */
export const SWITCHES = [
  { name: 'LAG-MSC-01', epochStart: false, plusNumbers: false },
  { name: 'LAG-MSC-02', epochStart: false, plusNumbers: false },
  { name: 'ABJ-MSC-01', epochStart: true, plusNumbers: false },
  { name: 'PHC-MSC-01', epochStart: false, plusNumbers: true },
  { name: 'KAN-MSC-01', epochStart: true, plusNumbers: true },
] as const;

/** Trunk names by code; 0 means the field is absent. */
export const TRUNKS = [
  '',
  'RAN',
  'ONNET',
  'IC-GLO-01',
  'IC-AIRTEL-02',
  'INTL-GW-01',
  'INTL-GW-02',
  'SIP-A2P-01',
  'PBX-SIP-01',
] as const;
export const TRUNK = {
  none: 0,
  ran: 1,
  onNet: 2,
  interconnectA: 3,
  interconnectB: 4,
  internationalA: 5,
  internationalB: 6,
  a2p: 7,
  pbx: 8,
} as const;

// Type Allocation Codes of handsets and of GSM-gateway modules (the kind found in SIM boxes).
const HANDSET_TACS = [
  35_332_509, 35_875_409, 86_769_004, 35_391_110, 86_443_903, 35_672_711, 86_891_205, 35_209_910,
];
const GATEWAY_TACS = [86_280_502, 86_070_103, 35_843_009];

/** Salts keep the hash streams of different attributes independent. */
export const SALT = {
  numberA: 11,
  numberB: 12,
  imsiA: 13,
  imsiB: 14,
  region: 15,
  cell: 16,
  imei: 17,
  rate: 18,
  circle: 19,
  contact: 20,
  foreign: 21,
} as const;

/** The seed-dependent part of the plan: the number scramble and per-index attribute hashing. */
export class NumberPlan {
  private readonly numberMultiplier: number;
  private readonly numberOffset: number;
  private readonly imsiMultiplier: number;
  private readonly imsiOffset: number;
  private readonly regionCumulative: number[];

  constructor(readonly seed: number) {
    // Multipliers coprime to 10 make `(r * m + o) mod 10^k` a bijection: no two indexes share a number.
    this.numberMultiplier = coprimeTo10(hash32(seed, SALT.numberA) % 1_000_000);
    this.numberOffset = hash32(seed, SALT.numberB) % SEVEN_DIGITS;
    this.imsiMultiplier = coprimeTo10(hash32(seed, SALT.imsiA) % 1_000_000);
    this.imsiOffset = hash32(seed, SALT.imsiB) % TEN_DIGITS;
    let sum = 0;
    this.regionCumulative = REGIONS.map((region) => (sum += region.share));
  }

  /** MSISDN of our mobile number `index` (subscribers first, then SIM-box and SDHF SIMs). */
  mobileNumber(index: number): number {
    const prefix = MOBILE_PREFIXES[index % MOBILE_PREFIXES.length] as number;
    const rest = Math.floor(index / MOBILE_PREFIXES.length);
    const suffix = (rest * this.numberMultiplier + this.numberOffset) % SEVEN_DIGITS;
    return NATIONAL_BASE + prefix * SEVEN_DIGITS + suffix;
  }

  /** IMSI of the SIM behind mobile number `index`. */
  imsi(index: number): number {
    return IMSI_BASE + ((index * this.imsiMultiplier + this.imsiOffset) % TEN_DIGITS);
  }

  /** IMEI of the handset subscriber `index` uses (with a valid Luhn check digit). */
  handsetImei(index: number): number {
    const tac = HANDSET_TACS[hash32(this.seed, SALT.imei, index) % HANDSET_TACS.length] as number;
    return withLuhn(tac * 1_000_000 + (hash32(this.seed, SALT.imei, index, 1) % 1_000_000));
  }

  /** IMEI of a GSM-gateway module (SIM boxes), keyed by a device id. */
  gatewayImei(deviceKey: number): number {
    const tac = GATEWAY_TACS[hash32(this.seed, SALT.imei, deviceKey, 7) % GATEWAY_TACS.length] as number;
    return withLuhn(tac * 1_000_000 + (hash32(this.seed, SALT.imei, deviceKey, 8) % 1_000_000));
  }

  /** Region index of subscriber `index`. */
  region(index: number): number {
    const u = hashUnit(this.seed, SALT.region, index);
    const cumulative = this.regionCumulative;
    for (let r = 0; r < cumulative.length - 1; r++) if (u < (cumulative[r] as number)) return r;
    return cumulative.length - 1;
  }

  /** The MSC serving subscriber `index`. */
  homeSwitch(index: number): number {
    const switches = REGIONS[this.region(index)]?.switches ?? [0];
    return switches[hash32(this.seed, SALT.region, index, 1) % switches.length] as number;
  }

  /** Home cell of subscriber `index`, encoded `lac * 100_000 + ci`. */
  homeCell(index: number): number {
    return this.cellInRegion(this.region(index), hash32(this.seed, SALT.cell, index));
  }

  /** A cell in region `region` chosen by `key` (any 32-bit value). */
  cellInRegion(region: number, key: number): number {
    const spec = REGIONS[region] ?? REGIONS[0];
    const lac = spec.lacBase + (key % spec.lacCount);
    const ci = 1 + (fmixKey(key) % 60_000);
    return lac * 100_000 + ci;
  }

  /** An off-net (other operator) number, from any 32-bit key. */
  offNetNumber(key: number): number {
    const prefix = OFF_NET_PREFIXES[key % OFF_NET_PREFIXES.length] as number;
    return NATIONAL_BASE + prefix * SEVEN_DIGITS + (fmixKey(key) % SEVEN_DIGITS);
  }

  /** A foreign caller (UK, US, UAE, China mobile ranges), from any 32-bit key. */
  foreignNumber(key: number): number {
    const mixed = fmixKey(key);
    switch (key % 4) {
      case 0:
        return 447_000_000_000 + (mixed % 1_000_000_000); // 44 7xxx xxxxxx
      case 1:
        return 12_000_000_000 + (mixed % 8_000_000_000); // 1 NXX NXX XXXX
      case 2:
        return 971_500_000_000 + (mixed % 100_000_000); // 971 5x xxx xxxx
      default:
        return 8_613_000_000_000 + (mixed % 1_000_000_000); // 86 13x xxxx xxxx
    }
  }
}

export function flashCallNumber(sender: number): number {
  return FLASH_CALL_BASE + 1000 + sender * 17;
}

export function callCentreNumber(centre: number): number {
  return CALL_CENTRE_BASE + 2000 + centre * 10;
}

export function probeNumber(probe: number): number {
  return PROBE_BASE + probe;
}

export function probeResponderNumber(responder: number): number {
  return PROBE_BASE + 900_000 + responder;
}

/** `cell` wire text of an encoded cell: a cell global identity `MCC-MNC-LAC-CI`. */
export function cellText(cell: number): string {
  const lac = Math.floor(cell / 100_000);
  return `621-30-${digitsOf(lac)}-${digitsOf(cell - lac * 100_000)}`;
}

function fmixKey(key: number): number {
  return hash32(key, 0x00c0_ffee);
}

function coprimeTo10(value: number): number {
  let m = value | 1; // odd
  if (m % 5 === 0) m += 2;
  return m;
}

/** Appends the Luhn check digit to a 14-digit body. */
export function withLuhn(body: number): number {
  // Two 7-digit halves keep the digit loop in small-integer arithmetic (no floating-point division).
  const high = Math.floor(body / 10_000_000);
  const sum = luhnHalf(body - high * 10_000_000, 0) + luhnHalf(high, 1);
  return body * 10 + ((10 - (sum % 10)) % 10);
}

/** Luhn sum of a 7-digit half; `offset` 1 when its lowest digit sits 7 places from the check digit. */
function luhnHalf(half: number, offset: number): number {
  let sum = 0;
  let rest = half | 0;
  // The rightmost body digit (position 0) is doubled: it sits left of the check digit.
  for (let position = offset; rest > 0; position++) {
    const next = (rest / 10) | 0;
    let digit = rest - next * 10;
    rest = next;
    if ((position & 1) === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum;
}
