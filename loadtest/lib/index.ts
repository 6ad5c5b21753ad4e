/**
 * The load-test CLIs' shared pieces. The traffic model itself is product code (`src/traffic`, the demo's
 * generator); this folder holds what only the CLIs need.
 */
export { CSV_HEADER, cdrJsonToCsvRow } from './csv-rows.js';
