/**
 * Records as rows of the predecessor's CSV upload format (`POST /ingest`, docs/design.md §2): `call_date`,
 * `call_time` (UTC, no zone), `caller_number`, `callee_number`, `duration_seconds`, `call_direction`,
 * `termination_cause` (Q.850 number), `location_code` (the cell).
 *
 * Converted from the JSON so a malformed record stays malformed in the same way: letters in a number stay
 * letters, a text duration stays text, and a record cut short (or not an object) becomes a row cut short.
 * CSV has no `call_id`, so a record that lost it becomes a row without its duration.
 */

export const CSV_HEADER =
  'call_date,call_time,caller_number,callee_number,duration_seconds,call_direction,termination_cause,location_code';

/** One CSV row (no line break) for a record's wire text. */
export function cdrJsonToCsvRow(json: string): string {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return truncatedRow(json);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return truncatedRow(json);
  const record = value as Record<string, unknown>;
  const [date, time] = splitStart(record.start);
  return [
    date,
    time,
    text(record.caller),
    text(record.callee),
    // CSV has no call_id column: a record that lost its id loses a required value instead.
    record.call_id === undefined ? '' : text(record.duration),
    text(record.direction),
    text(record.cause),
    text(record.cell),
  ]
    .map(quoteIfNeeded)
    .join(',');
}

/** `start` as UTC date and time columns; text that is no instant is passed through (it stays invalid). */
function splitStart(start: unknown): [string, string] {
  const ms = typeof start === 'number' ? start : typeof start === 'string' ? Date.parse(start) : Number.NaN;
  if (Number.isNaN(ms)) {
    const raw = text(start);
    const space = raw.indexOf(' ');
    return space < 0 ? [raw, ''] : [raw.slice(0, space), raw.slice(space + 1)];
  }
  const iso = new Date(ms).toISOString();
  return [iso.slice(0, 10), iso.slice(11, 19)];
}

/** What a cut-off record looks like as CSV: the fields present so far, the rest missing. */
function truncatedRow(json: string): string {
  const caller = /"caller":"\+?(\d+)"/.exec(json)?.[1] ?? '';
  const callee = /"callee":"\+?(\d+)"/.exec(json)?.[1] ?? '';
  return `,,${caller},${callee}`;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : String(value);
}

function quoteIfNeeded(field: string): string {
  return /[",\n\r]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}
