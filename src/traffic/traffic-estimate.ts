/**
 * Roughly how many records a second a set of options produces, averaged over a (local) day. The live
 * publisher uses it to pick a time compression that makes simulated time keep pace with the wall clock at
 * the requested rate, so record timestamps stay near "now" (the engine rejects starts far in the future).
 */
import { subscriberCallsPerDay } from './normal-population.js';
import type { ResolvedTrafficOptions } from './traffic-options.js';

const DAY_SECONDS = 86_400;
const SAMPLE = 20_000;
/** Inbound international calls add 4% to the population's own calls. */
const INBOUND_FACTOR = 1.04;
/** A SIM-box channel: ~100 s mean call plus ~25 s gap. */
const SIMBOX_CALLS_PER_CHANNEL_SECOND = 1 / 125;
/** A call centre: 35 agents × 30 calls an hour, 11 hours × 6 days a week. */
const CALL_CENTRE_CALLS_PER_SECOND = (35 * 30 * 11 * 6) / (7 * DAY_SECONDS);
const OTP_CALLS_PER_SECOND = 250 / 3600;

export function estimateRecordsPerSecond(options: ResolvedTrafficOptions): number {
  const sampled = Math.min(options.subscribers, SAMPLE);
  let sum = 0;
  for (let i = 0; i < sampled; i++)
    sum += subscriberCallsPerDay(options.seed, i, options.callsPerSubscriberDay);
  const population =
    ((sum / sampled) * options.subscribers * INBOUND_FACTOR * options.timeCompression) / DAY_SECONDS;
  const [peakMin, peakMax] = options.sdhfPeakCallsPerHour;
  const sdhf = (options.sdhfCallers * Math.sqrt(peakMin * peakMax)) / 3600;
  const simBoxes = options.simBoxes * options.simsPerBox * SIMBOX_CALLS_PER_CHANNEL_SECOND;
  const lookAlikes =
    options.callCentres * CALL_CENTRE_CALLS_PER_SECOND +
    options.otpSenders * OTP_CALLS_PER_SECOND * options.timeCompression;
  return (population + sdhf + simBoxes + lookAlikes) * (1 + options.duplicateRate);
}
