/**
 * Phone numbers are personal data: logs at INFO never carry them whole (the middle digits are masked with
 * the shared `maskNumber`), and credentials passed in a query string never reach a log line at all.
 */
import { maskNumber } from '../shared/index.js';

const LONG_DIGIT_RUN = /(\+?)(\d{7,})/g;
const SECRET_QUERY_PARAM = /([?&](?:access_token|api_key|token)=)[^&#]*/gi;

/** Masks every phone-number-like digit run and every credential query parameter in a URL or a line. */
export function maskForLog(text: string): string {
  return text
    .replace(SECRET_QUERY_PARAM, '$1<redacted>')
    .replace(LONG_DIGIT_RUN, (_run, plus: string, digits: string) => plus + maskNumber(digits));
}
