/**
 * Synthetic CDR traffic: a seeded model of a mobile network (normal subscribers, SDHF fraudsters, SIM boxes,
 * look-alikes, switch faults) with ground truth. The product ships it for its demo (`npm start`); the load
 * generator, benchmarks and tests use it too.
 */
export { generateTraffic } from './traffic-generator.js';
export type { GeneratedRecord, GeneratedTraffic, RecordKind } from './traffic-generator.js';
export { demoTrafficOptions, resolveTrafficOptions, TrafficOptionsError } from './traffic-options.js';
export type { Range, ResolvedTrafficOptions, TrafficOptions } from './traffic-options.js';
export { CALLER_CLASSES } from './ground-truth.js';
export type { CallerClass, GroundTruth, LabelledCaller } from './ground-truth.js';
export { MALFORMED_FAULTS } from './cdr-json.js';
export { CALL_CENTRE_PREFIX, FLASH_CALL_PREFIX, PROBE_PREFIX, SWITCHES } from './number-plan.js';
export { NORMAL_DURATION_MEDIAN_SECONDS, NORMAL_DURATION_SIGMA } from './normal-population.js';
