/** The only messages crossing the boundary between the API thread and the CSV parsing workers (piscina). */
import type { CdrJson } from '../../codec/index.js';

export interface CsvParseTask {
  /** The uploaded file, transferred (not copied) to the worker. */
  csv: Uint8Array;
  /** IANA zone for the zone-less `call_date`/`call_time`. */
  timeZone: string;
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
