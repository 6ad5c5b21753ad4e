/**
 * CDR decoder: bytes of one NATS message → a validated `Cdr` (with the optional fields it had to drop), or a
 * reason code. Runs once per message on the shard workers' hot path and never throws: a bad record is data (it
 * goes to the dead-letter stream), not an exception.
 *
 * Two paths, one behaviour. The byte scanner (cdr-scanner.ts) decodes the common case, a flat contract
 * record, without building a string of the message or parsing it as a whole; whatever it does not accept goes
 * through `TextDecoder` + `JSON.parse` + the object validator (cdr-validator.ts), which also serves callers
 * holding an object already. The rules are in cdr-validator.ts and lenient-values.ts.
 */
import { DEFAULT_MAX_CDR_BYTES, type DecodeOptions, type DecodeResult } from './cdr.js';
import { scanCdr } from './cdr-scanner.js';
import { reject, validateRecord } from './cdr-validator.js';

// Fatal: a message that is not valid UTF-8 must be rejected, not silently repaired with U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes and validates one CDR message. Never throws. */
export function decodeCdr(bytes: Uint8Array, options?: DecodeOptions): DecodeResult {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_CDR_BYTES;
  if (bytes.length > maxBytes) return tooLarge(bytes, maxBytes);
  return scanCdr(bytes, options) ?? parseAndValidate(bytes, options);
}

/**
 * `decodeCdr` without the byte scanner: what the property tests compare it with, and the profiling baseline.
 */
export function decodeCdrByParsing(bytes: Uint8Array, options?: DecodeOptions): DecodeResult {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_CDR_BYTES;
  if (bytes.length > maxBytes) return tooLarge(bytes, maxBytes);
  return parseAndValidate(bytes, options);
}

function tooLarge(bytes: Uint8Array, maxBytes: number): DecodeResult {
  return reject('too_large', undefined, `message is ${bytes.length} bytes; the limit is ${maxBytes}`);
}

/** The general path: any JSON, every rejection. */
function parseAndValidate(bytes: Uint8Array, options: DecodeOptions | undefined): DecodeResult {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return reject('invalid_encoding', undefined, 'message is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return reject('invalid_json', undefined, 'message is not valid JSON');
  }
  return validateRecord(value, options);
}

/**
 * Validates an already-parsed CDR JSON value with the same rules: the HTTP API, CSV uploads and every input
 * profile (after mapping a switch's record onto the contract's field names) call this. Never throws.
 */
export function validateCdrObject(value: unknown, options?: DecodeOptions): DecodeResult {
  try {
    return validateRecord(value, options);
  } catch {
    // Only reachable for objects that are not plain JSON (a getter or proxy that throws).
    return reject('not_an_object', undefined, 'a CDR must be a plain JSON object');
  }
}
