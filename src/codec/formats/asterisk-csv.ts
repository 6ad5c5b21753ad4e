/**
 * The `asterisk-csv` profile: Asterisk's `cdr_csv` backend, `/var/log/asterisk/cdr-csv/Master.csv`.
 *
 * Checked against:
 * - Asterisk `doc/README.cdr`, "Fields of the CDR in Asterisk" (asterisk/asterisk on GitHub; also printed in
 *   "Asterisk: The Definitive Guide", asteriskdocs.org ch. 13): accountcode, src, dst, dcontext, clid, channel,
 *   dstchannel, lastapp, lastdata, start, answer, end, duration (dial to hangup), billsec (answer to hangup),
 *   disposition (ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION), amaflags, then uniqueid and userfield.
 * - `cdr/cdr_csv.c` (asterisk/asterisk) and the `[csv]` section of `configs/samples/cdr.conf.sample`: no header
 *   row; every text field quoted with `"` doubled inside; times written `%Y-%m-%d %T` in the server's *local*
 *   zone unless `usegmtime=yes`; an unset time (the `answer` of an unanswered call) is an empty, unquoted field;
 *   uniqueid is written only with `loguniqueid=yes`, userfield only with `loguserfield=yes` (both off by
 *   default), and `newcdrcolumns=yes` appends peeraccount, linkedid and sequence.
 * - "CDR Variables" (docs.asterisk.org, Configuration/Reporting/Call-Detail-Records-CDR): field meanings.
 *
 * Mapping: caller `src` (else the number in `clid`'s `<…>`), callee `dst`, start `start` read in the
 * configured zone, duration = `billsec` (0 for unanswered calls), answered = disposition `ANSWERED`,
 * trunk_in/trunk_out = `channel`/`dstchannel` without their per-call suffix (`SIP/carrier-0000001a` →
 * `SIP/carrier`). call_id = uniqueid (with `#sequence` when newcdrcolumns is on), else a hash of the whole row,
 * so the same line read twice gets the same id. Which optional trailing columns are present is told apart by
 * their count, and a single one by whether it looks like a uniqueid (`[systemname-]epoch.counter`).
 */
import { MAX_CALL_ID_LENGTH } from '../cdr.js';
import { normaliseNumber, type NumberPlan } from '../number-normaliser.js';
import { createTimeReader, type TimeReader } from '../time/time-formats.js';
import { contentCallId, shortText, wholeNumberOr } from './field-values.js';
import type { ContractRecord, CsvInputProfile, ProfileOptions, ProfileOutcome } from './input-profile.js';

/** Columns every Master.csv row has, accountcode through amaflags. */
export const ASTERISK_CSV_COLUMNS = [
  'accountcode',
  'src',
  'dst',
  'dcontext',
  'clid',
  'channel',
  'dstchannel',
  'lastapp',
  'lastdata',
  'start',
  'answer',
  'end',
  'duration',
  'billsec',
  'disposition',
  'amaflags',
] as const;
type AsteriskColumn = (typeof ASTERISK_CSV_COLUMNS)[number];

/** cdr_csv builds each line in a 1 KiB buffer; 8 KiB leaves room for hand-edited files. */
const MAX_ASTERISK_RECORD_BYTES = 8_192;
const UNIQUE_ID = /^(?:\S+-)?\d{9,11}\.\d+$/;
const CLID_NUMBER = /<([^>]*)>\s*$/;
const PRINTABLE_ID = /^[\x21-\x7e]+$/;

interface TrailingColumns {
  uniqueid?: string;
  sequence?: string;
}

/** uniqueid / userfield / peeraccount, linkedid, sequence: which are present, from how many there are. */
function trailingColumns(extra: readonly string[]): TrailingColumns {
  const single = (value: string | undefined): TrailingColumns =>
    value !== undefined && UNIQUE_ID.test(value) ? { uniqueid: value } : {};
  switch (extra.length) {
    case 0:
      return {};
    case 1:
      return single(extra[0]);
    case 2:
      return { uniqueid: extra[0] as string };
    case 3:
      return { sequence: extra[2] as string };
    case 4:
      return { ...single(extra[0]), sequence: extra[3] as string };
    default:
      return { uniqueid: extra[0] as string, sequence: extra[4] as string };
  }
}

/** The channel name without Asterisk's per-channel suffix: what identifies the trunk or peer. */
function channelTrunk(channel: string): string | undefined {
  if (channel === '') return undefined;
  return shortText(channel.replace(/;\d+$/, '').replace(/-[0-9a-f]+$/i, ''));
}

export class AsteriskCsvProfile implements CsvInputProfile {
  readonly name = 'asterisk-csv';
  readonly format = 'csv';
  readonly hasHeader = false;
  readonly maxRecordBytes = MAX_ASTERISK_RECORD_BYTES;
  private readonly readStart: TimeReader;
  private readonly numberPlan: NumberPlan;

  /** Throws InvalidTimeZoneError for an unknown `timeZone`. */
  constructor(options: ProfileOptions = {}) {
    this.readStart = createTimeReader('YYYY-MM-DD HH:mm:ss', options.timeZone ?? 'UTC');
    this.numberPlan = options.numberPlan ?? {};
  }

  fromRow(fields: readonly string[]): ProfileOutcome {
    if (fields.length < ASTERISK_CSV_COLUMNS.length) {
      return {
        ok: false,
        reason: 'invalid_csv',
        field: undefined,
        message: `a Master.csv row has at least ${ASTERISK_CSV_COLUMNS.length} columns, got ${fields.length}`,
      };
    }
    const column = (name: AsteriskColumn): string =>
      (fields[ASTERISK_CSV_COLUMNS.indexOf(name)] ?? '').trim();
    const startText = column('start');
    if (startText === '')
      return { ok: false, reason: 'missing_field', field: 'start', message: 'start is empty' };
    const startMs = this.readStart(startText);
    if (Number.isNaN(startMs)) {
      return {
        ok: false,
        reason: 'invalid_start',
        field: 'start',
        message: `start ${JSON.stringify(startText.slice(0, 40))} is not a time YYYY-MM-DD HH:MM:SS`,
      };
    }
    const record: ContractRecord = { call_id: this.callId(fields), start: startMs };
    const caller = column('src') || (CLID_NUMBER.exec(column('clid'))?.[1] ?? '').trim();
    if (caller !== '') record.caller = normaliseNumber(caller, this.numberPlan);
    const callee = column('dst');
    if (callee !== '') record.callee = normaliseNumber(callee, this.numberPlan);
    const billsec = column('billsec');
    if (billsec !== '') record.duration = wholeNumberOr(billsec);
    const disposition = column('disposition').toUpperCase();
    record.answered = disposition === '' ? column('answer') !== '' : disposition === 'ANSWERED';
    const trunkIn = channelTrunk(column('channel'));
    if (trunkIn !== undefined) record.trunk_in = trunkIn;
    const trunkOut = channelTrunk(column('dstchannel'));
    if (trunkOut !== undefined) record.trunk_out = trunkOut;
    return { ok: true, record };
  }

  private callId(fields: readonly string[]): string {
    const { uniqueid, sequence } = trailingColumns(
      fields.slice(ASTERISK_CSV_COLUMNS.length).map((field) => field.trim()),
    );
    if (uniqueid !== undefined && uniqueid !== '') {
      const id = sequence !== undefined && /^\d+$/.test(sequence) ? `${uniqueid}#${sequence}` : uniqueid;
      if (id.length <= MAX_CALL_ID_LENGTH && PRINTABLE_ID.test(id)) return id;
    }
    return contentCallId('ast-', fields);
  }
}
