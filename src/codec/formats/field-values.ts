/**
 * Small readers shared by the switch profiles. Switch exports type nothing (FreeSWITCH writes `"billsec":"0"`,
 * Master.csv is all text): these turn such values into what the contract expects when the reading is
 * unambiguous, and otherwise hand the value on untouched so the validator rejects it with the switch's own
 * spelling in the message.
 */
import { createHash } from 'node:crypto';

const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;
const WHOLE_NUMBER = /^\d{1,15}(\.0*)?$/;

/** Non-empty trimmed text of a string or number; undefined for empty strings, null, objects and the rest. */
export function presentText(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Undoes URL encoding (`%2B2348031234567` → `+2348031234567`). mod_json_cdr URL-encodes every variable
 * unless `encode-values` is false; text without a `%XX` escape is returned as it is.
 */
export function urlDecoded(text: string): string {
  if (!PERCENT_ESCAPE.test(text)) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A whole number written as digits (`"42"`, `"42.0"`) as that number; anything else unchanged. */
export function wholeNumberOr(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  return WHOLE_NUMBER.test(trimmed) ? Number(trimmed) : value;
}

/** `prefix` + 32 hex digits of SHA-256 over the parts: a stable call_id for records that carry none. */
export function contentCallId(prefix: string, parts: readonly string[]): string {
  return prefix + createHash('sha256').update(parts.join('\u001f')).digest('hex').slice(0, 32);
}

/** The value when it is printable text of at most `maxLength` characters, otherwise undefined (dropped). */
export function shortText(value: string | undefined, maxLength = 64): string | undefined {
  if (value === undefined || value.length > maxLength) return undefined;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this screens out
  return /[\u0000-\u001f\u007f]/.test(value) ? undefined : value;
}
