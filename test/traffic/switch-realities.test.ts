import { describe, expect, it } from 'vitest';
import {
  generateTraffic,
  MALFORMED_FAULTS,
  type GeneratedRecord,
  type TrafficOptions,
} from '../../src/traffic/index.js';
import { decodeCdr } from '../../src/codec/index.js';
import { HOUR_MS, MONDAY_MS, parse } from './traffic-fixtures.js';

const BASE: TrafficOptions = {
  seed: 11,
  subscribers: 2_500,
  startMs: MONDAY_MS + 8 * HOUR_MS,
  durationMs: 6 * HOUR_MS,
  sdhfCallers: 2,
  sdhfPeakCallsPerHour: [150, 300],
  simBoxes: 1,
  simsPerBox: 8,
  callCentres: 0,
  otpSenders: 1,
  probes: 1,
};

const encoder = new TextEncoder();
/** The engine's decoder, with "now" after the whole run so no start counts as in the future. */
const decode = (json: string): ReturnType<typeof decodeCdr> =>
  decodeCdr(encoder.encode(json), { nowMs: MONDAY_MS + 30 * 24 * HOUR_MS });

function records(options: TrafficOptions): GeneratedRecord[] {
  return [...generateTraffic(options).records];
}

describe('switch realities', () => {
  it('delivers records in non-decreasing arrival order, after each call ended, for calls inside the run', () => {
    const all = records({ ...BASE, lateBatchRate: 0.02, resentBatchRate: 0.0005 });
    let outOfOrder = 0;
    let beforeCallEnd = 0;
    let outsideRun = 0;
    const endMs = (BASE.startMs as number) + (BASE.durationMs as number);
    for (let i = 0; i < all.length; i++) {
      const record = all[i] as GeneratedRecord;
      if (i > 0 && record.arrivalMs < (all[i - 1] as GeneratedRecord).arrivalMs) outOfOrder++;
      if (record.kind === 'malformed') continue;
      const cdr = parse(record);
      if (record.arrivalMs < cdr.startMs + cdr.duration * 1000) beforeCallEnd++;
      if (cdr.startMs < BASE.startMs || cdr.startMs >= endMs) outsideRun++;
    }
    expect(all.length).toBeGreaterThan(8_000);
    expect({ outOfOrder, beforeCallEnd, outsideRun }).toEqual({
      outOfOrder: 0,
      beforeCallEnd: 0,
      outsideRun: 0,
    });
  });

  it('sends ~0.2% exact duplicates: byte-identical to an earlier record, arriving after it', () => {
    // A day, for enough duplicates to measure the share.
    const all = records({ ...BASE, durationMs: 24 * HOUR_MS, resentBatchRate: 0 });
    const firstSeen = new Map<string, GeneratedRecord>();
    let duplicates = 0;
    for (const record of all) {
      if (record.kind === 'valid') firstSeen.set(record.callId, record);
      if (record.kind !== 'duplicate') continue;
      duplicates++;
      const original = firstSeen.get(record.callId);
      expect(original?.json).toBe(record.json);
      expect(record.arrivalMs).toBeGreaterThan(original?.arrivalMs ?? Number.POSITIVE_INFINITY);
    }
    const share = duplicates / all.length;
    expect(all.length).toBeGreaterThan(20_000);
    expect(share).toBeGreaterThan(0.0012);
    expect(share).toBeLessThan(0.0028);
  });

  it('re-sends whole batches now and then, as exact copies minutes later', () => {
    const all = records({ ...BASE, duplicateRate: 0, resentBatchRate: 0.000_5 });
    const byId = new Map<string, GeneratedRecord>();
    const delays: number[] = [];
    for (const record of all) {
      if (record.kind === 'valid') byId.set(record.callId, record);
      if (record.kind === 'duplicate') {
        const original = byId.get(record.callId);
        expect(original?.json).toBe(record.json);
        delays.push(record.arrivalMs - (original?.arrivalMs ?? 0));
      }
    }
    // Batches of 20–200 share one re-send delay of 1–15 minutes.
    const batchDelays = new Map<number, number>();
    for (const delay of delays) batchDelays.set(delay, (batchDelays.get(delay) ?? 0) + 1);
    expect(batchDelays.size).toBeGreaterThan(0);
    for (const [delay, size] of batchDelays) {
      expect(delay).toBeGreaterThanOrEqual(60_000);
      expect(delay).toBeLessThanOrEqual(900_000);
      expect(size).toBeGreaterThanOrEqual(5);
    }
  });

  it('makes malformed records that fail the contract, and valid ones that pass it', () => {
    const all = records({ ...BASE, malformedRate: 0.01 });
    const expectedReasons = new Set<string>(MALFORMED_FAULTS.map((fault) => fault.reason));
    const seenReasons = new Set<string>();
    const wronglyAccepted: string[] = [];
    const wronglyRejected: string[] = [];
    let malformed = 0;
    for (const record of all) {
      const result = decode(record.json);
      if (record.kind === 'malformed') {
        malformed++;
        if (result.ok) wronglyAccepted.push(record.json);
        else seenReasons.add(result.reason);
      } else if (!result.ok || String(result.cdr.caller) !== record.callerDigits) {
        wronglyRejected.push(record.json);
      }
    }
    expect(wronglyAccepted).toEqual([]);
    expect(wronglyRejected).toEqual([]);
    expect(malformed / all.length).toBeGreaterThan(0.007);
    expect(malformed / all.length).toBeLessThan(0.013);
    expect(seenReasons).toEqual(expectedReasons);
  });

  it('keeps collection delays within the cap, except late batches held back for 15–90 minutes', () => {
    const delayOf = (record: GeneratedRecord): number => {
      const cdr = parse(record);
      return record.arrivalMs - (cdr.startMs + cdr.duration * 1000);
    };
    const onTime = records({ ...BASE, lateBatchRate: 0 }).filter((r) => r.kind === 'valid');
    const delays = onTime.map(delayOf);
    expect(Math.max(...delays)).toBeLessThanOrEqual(300_000);
    delays.sort((a, b) => a - b);
    expect(delays[Math.floor(delays.length / 2)]).toBeGreaterThan(10_000);
    expect(delays[Math.floor(delays.length / 2)]).toBeLessThan(40_000);

    const withLate = records({ ...BASE, lateBatchRate: 0.02 }).filter((r) => r.kind === 'valid');
    const late = withLate.map(delayOf).filter((delay) => delay > 300_000);
    expect(late.length).toBeGreaterThan(0);
    for (const delay of late) expect(delay).toBeLessThanOrEqual(90 * 60_000 + 300_000);
  });

  it('formats records as different switch vendors do: ISO or epoch starts, numbers with or without +', () => {
    const sample = records({ ...BASE, durationMs: HOUR_MS }).filter((r) => r.kind === 'valid');
    const json = sample.map((record) => JSON.parse(record.json) as { start: unknown; caller: string });
    expect(json.some((cdr) => typeof cdr.start === 'number')).toBe(true);
    expect(json.some((cdr) => typeof cdr.start === 'string' && String(cdr.start).endsWith('Z'))).toBe(true);
    expect(json.some((cdr) => cdr.caller.startsWith('+'))).toBe(true);
    expect(json.some((cdr) => !cdr.caller.startsWith('+'))).toBe(true);
    for (const record of sample) expect(record.callerDigits).toMatch(/^[1-9]\d{1,14}$/);
  });
});
