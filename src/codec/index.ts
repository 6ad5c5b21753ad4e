/**
 * The CDR codec: the contract record, its decoder and encoder, the partition hash, time parsing, number
 * normalisation and the input profiles for what switches write (`formats/`: contract JSON, FreeSWITCH JSON,
 * Asterisk Master.csv, the seed CSV, mapping files). Pure: no I/O beyond bytes and text handed in, no NATS,
 * no Postgres. Other modules import only from here.
 */
export {
  CALL_DIRECTIONS,
  CDR_DROP_REASONS,
  CDR_FIELDS,
  CDR_REASONS,
  DEFAULT_MAX_CDR_BYTES,
  DEFAULT_MAX_FUTURE_SKEW_MS,
  MAX_CALL_ID_LENGTH,
  MAX_DURATION_SECONDS,
  MIN_START_MS,
} from './cdr.js';
export type {
  CallDirection,
  Cdr,
  CdrDropReason,
  CdrJson,
  CdrReason,
  DecodeOptions,
  DecodeResult,
  DroppedField,
} from './cdr.js';
export { decodeCdr, validateCdrObject } from './cdr-decoder.js';
export { cdrToJson, encodeCdr, numberDigits } from './cdr-encoder.js';
export { isDigitString, isPrintableText, parsePhoneDigits } from './cdr-fields.js';
export { fnv1a32, fnv1a32Bytes, partitionOf, partitionOfCaller } from './partitioning.js';
export { InvalidTimeZoneError, MappingFileError, UnknownProfileError } from './codec-errors.js';
export { normaliseNumber, numberPlanProblem } from './number-normaliser.js';
export type { NumberPlan } from './number-normaliser.js';

export { formatIsoUtcMs, parseIsoTimestampMs } from './time/iso-time.js';
export { createZonedClock, isValidTimeZone } from './time/zoned-time.js';
export { EPOCH_TIME_FORMATS, createTimeReader, timeFormatProblem } from './time/time-formats.js';
export type { TimeFormat, TimeReader } from './time/time-formats.js';
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
  ProfileOptions,
  ProfileOutcome,
} from './formats/input-profile.js';
export { kamailioJsonProfile, q850CauseOfSipCode } from './formats/kamailio-json.js';
export type { KamailioCdr } from './formats/kamailio-json.js';
export {
  INPUT_PROFILES,
  PROFILE_NAMES,
  mappingNameProblem,
  profileByName,
  profileEntry,
} from './formats/profile-registry.js';
export type { ProfileEntry } from './formats/profile-registry.js';
export { ContractJsonProfile } from './formats/contract-json.js';
export { FreeswitchJsonProfile } from './formats/freeswitch-json.js';
export { ASTERISK_CSV_COLUMNS, AsteriskCsvProfile } from './formats/asterisk-csv.js';
export { SeedCsvProfile } from './formats/seed-csv.js';
export { MappingJsonProfile } from './formats/mapping-json.js';
export {
  MAPPED_FIELDS,
  MAPPING_NAME_PATTERN,
  parseMappingSpec,
  validateMappingSpec,
} from './formats/mapping-spec.js';
export type { FieldMapping, MappedField, MappingScalar, MappingSpec } from './formats/mapping-spec.js';
export { compileJsonPath, resolveJsonPath } from './formats/json-path.js';
export type { JsonPath } from './formats/json-path.js';
export { JsonValueScanner, splitJsonValues } from './formats/json-values.js';
export type { JsonValueBytes } from './formats/json-values.js';
export {
  convertCsvFields,
  convertDocument,
  convertJsonValue,
  convertRecordBytes,
  headerMap,
  maxRecordBytesOf,
} from './formats/record-conversion.js';
export type { ConvertedRecord, DocumentConversion, DocumentOptions } from './formats/record-conversion.js';
