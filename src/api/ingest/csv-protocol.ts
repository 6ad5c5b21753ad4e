/** The only messages crossing the boundary between the API thread and the upload parsing workers (piscina). */
import type { CdrJson, MappingSpec, NumberPlan } from '../../codec/index.js';

export interface CsvParseTask {
  /** The uploaded file, transferred (not copied) to the worker. */
  csv: Uint8Array;
  /** Input profile the file is read with (`seed-csv` unless the upload names another). */
  profile: string;
  /** IANA zone of times written without one (the seed's `call_date`/`call_time`, Master.csv). */
  timeZone: string;
  numberPlan: NumberPlan;
  /** The configured mapping file, for a mapping profile. */
  mapping: MappingSpec | undefined;
  /** `Row N: …` messages kept; the count goes on. */
  maxErrors: number;
  /** The clock the future-start check uses, taken on the API thread. */
  nowMs: number;
}

export interface CsvParseResult {
  /** Valid rows as CDR wire JSON, ready to publish. */
  records: CdrJson[];
  errors: string[];
  errorCount: number;
  /** Data rows read (blank lines not counted). */
  rowCount: number;
  /** Why nothing could be read (syntax error, missing columns), or undefined. */
  fileError: string | undefined;
  /** Distinct callers among the valid rows (reported by dry runs). */
  distinctCallers: number;
}
