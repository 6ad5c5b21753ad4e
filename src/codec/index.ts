/**
 * The CDR codec: the contract record, its decoder and encoder, the partition hash, time parsing and the input
 * formats switches write (CSV today; switch profiles live in `formats/`). Pure: no I/O beyond byte streams
 * handed in, no NATS, no Postgres. Other modules import only from here.
 */
export {
  CALL_DIRECTIONS,
  CDR_FIELDS,
  CDR_REASONS,
  DEFAULT_MAX_CDR_BYTES,
  DEFAULT_MAX_FUTURE_SKEW_MS,
  MAX_CALL_ID_LENGTH,
  MAX_DURATION_SECONDS,
  MIN_START_MS,
} from './cdr.js';
export type { CallDirection, Cdr, CdrJson, CdrReason, DecodeOptions, DecodeResult } from './cdr.js';
export { decodeCdr, validateCdrObject } from './cdr-decoder.js';
export { cdrToJson, encodeCdr, numberDigits } from './cdr-encoder.js';
export { isDigitString, isPrintableText, parsePhoneDigits } from './cdr-fields.js';
export { fnv1a32, fnv1a32Bytes, partitionOf, partitionOfCaller } from './partitioning.js';
export { InvalidTimeZoneError } from './codec-errors.js';

export { formatIsoUtcMs, parseIsoTimestampMs } from './time/iso-time.js';
export { createZonedClock, isValidTimeZone } from './time/zoned-time.js';
export type { CivilDateTime, ZonedClock } from './time/zoned-time.js';

export {
  CSV_OPTIONAL_COLUMNS,
  CSV_REQUIRED_COLUMNS,
  CsvCdrConverter,
  csvRowsToCdrs,
  parseCdrCsv,
} from './formats/csv-cdr.js';
export type {
  CsvCdrOptions,
  CsvCdrRecord,
  CsvConversion,
  CsvConversionOptions,
  CsvRowResult,
} from './formats/csv-cdr.js';
export { detectFormat, splitLines } from './formats/record-input.js';
export type { InputLine, RecordFormat } from './formats/record-input.js';
export type {
  ContractRecord,
  CsvInputProfile,
  InputProfile,
  JsonInputProfile,
  ProfileOutcome,
} from './formats/input-profile.js';
export { kamailioJsonProfile, q850CauseOfSipCode } from './formats/kamailio-json.js';
export type { KamailioCdr } from './formats/kamailio-json.js';
