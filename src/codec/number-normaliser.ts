/**
 * Phone numbers as switches write them → the contract's E.164 digits. Switch and mediation exports mix
 * `+2348031234567`, `002348031234567` (international prefix), `08031234567` (national, with the trunk prefix)
 * and `234 803 123 4567`; the engine windows callers by their digits, so all four must become
 * `2348031234567` or one caller turns into several.
 *
 * Rules, in order: drop spaces, dashes, dots and brackets; a leading `+` is dropped; a leading international
 * prefix (`00` unless configured) is dropped; with a country code, a leading trunk prefix (`0` unless
 * configured) is replaced by the country code. Anything else is left as it is: a number already in
 * international form without `+` is the common case. Text that is still not all digits comes back unchanged
 * so the validator rejects it with the switch's own spelling in the message.
 */

export interface NumberPlan {
  /** Country calling code, 1–3 digits without `+` (e.g. `234`). Without it national numbers stay as they are. */
  countryCode?: string | undefined;
  /** Prefix of national numbers, replaced by the country code. @default '0' (only used with a country code) */
  trunkPrefix?: string | undefined;
  /** Prefix of international numbers dialled without `+`. @default '00' */
  internationalPrefix?: string | undefined;
}

// Two regexes on purpose: `test` on a /g regex keeps state (lastIndex) between calls.
const HAS_SEPARATOR = /[\s\-.()]/;
const SEPARATORS = /[\s\-.()]/g;
const DIGITS = /^\d+$/;
const COUNTRY_CODE = /^[1-9]\d{0,2}$/;
const PREFIX = /^\d{1,4}$/;

/** Undefined when the plan is usable; otherwise which part is wrong and why (for config and mapping errors). */
export function numberPlanProblem(plan: NumberPlan): { key: keyof NumberPlan; message: string } | undefined {
  if (plan.countryCode !== undefined && !COUNTRY_CODE.test(plan.countryCode)) {
    return { key: 'countryCode', message: 'a country calling code is 1-3 digits not starting with 0' };
  }
  if (plan.trunkPrefix !== undefined && !PREFIX.test(plan.trunkPrefix)) {
    return { key: 'trunkPrefix', message: 'a trunk prefix is 1-4 digits' };
  }
  if (plan.internationalPrefix !== undefined && !PREFIX.test(plan.internationalPrefix)) {
    return { key: 'internationalPrefix', message: 'an international prefix is 1-4 digits' };
  }
  return undefined;
}

/**
 * The E.164 digits of `raw` under `plan`, or `raw` trimmed when it cannot be read as a number. Pure and
 * allocation-light: it runs once per caller and callee of every converted record.
 */
export function normaliseNumber(raw: string, plan: NumberPlan = {}): string {
  const trimmed = raw.trim();
  const compact = HAS_SEPARATOR.test(trimmed) ? trimmed.replace(SEPARATORS, '') : trimmed;
  if (compact.startsWith('+')) {
    const digits = compact.slice(1);
    return DIGITS.test(digits) ? digits : trimmed;
  }
  if (!DIGITS.test(compact)) return trimmed;
  const international = plan.internationalPrefix ?? '00';
  if (compact.startsWith(international)) return compact.slice(international.length);
  if (plan.countryCode !== undefined) {
    const trunk = plan.trunkPrefix ?? '0';
    if (compact.startsWith(trunk)) return plan.countryCode + compact.slice(trunk.length);
  }
  return compact;
}
