import { describe, expect, it } from 'vitest';
import { CALLER_CLASSES, FLASH_CALL_PREFIX, type LabelledCaller } from '../../src/traffic/index.js';
import { bestSdhfWindow, DAY_MS, DAY_NETWORK, HOUR_MS, network, type ParsedCdr } from './traffic-fixtures.js';
import { CDR_FIELDS } from '../../src/codec/index.js';

const WIRE_FIELDS = new Set<string>(Object.values(CDR_FIELDS));

function labelled(cls: LabelledCaller['class']): LabelledCaller[] {
  return network(DAY_NETWORK).labels.callers.filter((caller) => caller.class === cls);
}

function callsOf(number: string): ParsedCdr[] {
  return network(DAY_NETWORK).callsByCaller.get(number) ?? [];
}

describe('ground-truth labels', () => {
  it('list every special caller once, with a known class, and echo the seed and options', () => {
    const { labels } = network(DAY_NETWORK);
    const numbers = labels.callers.map((caller) => caller.number);
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const caller of labels.callers) expect(CALLER_CLASSES).toContain(caller.class);
    expect(labelled('sdhf')).toHaveLength(4);
    expect(labelled('call_centre')).toHaveLength(1);
    expect(labelled('otp')).toHaveLength(2);
    expect(labelled('probe')).toHaveLength(2);
    expect(labels.seed).toBe(DAY_NETWORK.seed);
    expect(labels.options.subscribers).toBe(DAY_NETWORK.subscribers);
    expect(labels.unlistedClass).toBe('normal');
  });

  it('are never inside the records: records carry only contract fields', () => {
    const extra = new Set<string>();
    for (const record of network(DAY_NETWORK).records) {
      if (record.kind === 'malformed') continue;
      for (const field of Object.keys(JSON.parse(record.json) as object))
        if (!WIRE_FIELDS.has(field)) extra.add(field);
    }
    expect([...extra]).toEqual([]);
  });

  it('mark SDHF callers that exceed 50 distinct callees at under 3 s average within 24 h of their start', () => {
    for (const caller of labelled('sdhf')) {
      const calls = callsOf(caller.number);
      const patternStartMs = caller.patternStartMs ?? Number.NaN;
      expect(calls.length).toBeGreaterThan(50);
      // Nothing before the pattern starts, and every call short.
      expect(Math.min(...calls.map((call) => call.startMs))).toBeGreaterThanOrEqual(
        Math.floor(patternStartMs / 1000) * 1000,
      );
      expect(Math.max(...calls.map((call) => call.duration))).toBeLessThanOrEqual(5);
      const window = bestSdhfWindow(calls, DAY_MS);
      expect(window?.distinct).toBeGreaterThan(50);
      expect(window?.avgSeconds).toBeLessThan(3);
      expect(window?.endMs).toBeLessThan(patternStartMs + DAY_MS);
      expect(['wangiri', 'robodialler']).toContain(caller.flavour);
    }
  });

  it('mark SIM-box SIMs: one IMEI carrying many IMSIs, a static cell, callees spread out, budgets respected', () => {
    const sims = labelled('simbox');
    const devices = new Map<string, LabelledCaller[]>();
    for (const sim of sims) devices.set(sim.device ?? '', [...(devices.get(sim.device ?? '') ?? []), sim]);
    expect(devices.size).toBe(2);
    for (const [, boxSims] of devices) {
      const calls = boxSims.flatMap((sim) => callsOf(sim.number));
      expect(new Set(calls.map((call) => call.imei))).toEqual(new Set([boxSims[0]?.imei]));
      expect(new Set(calls.map((call) => call.cell)).size).toBe(1);
      // Rotation: more SIMs (IMSIs) than slots over a day.
      expect(new Set(calls.map((call) => call.imsi)).size).toBeGreaterThan(6);
      // Callees spread evenly over the base: as many distinct ones as uniform draws would reach.
      const base = DAY_NETWORK.subscribers;
      const uniformDistinct = base * (1 - Math.exp(-calls.length / base));
      expect(new Set(calls.map((call) => call.callee)).size).toBeGreaterThan(0.95 * uniformDistinct);
    }
    for (const sim of sims) {
      const calls = callsOf(sim.number);
      if (calls.length === 0) continue; // a SIM whose only call was malformed on the wire
      expect(calls.length).toBeLessThanOrEqual(120);
      expect(Math.min(...calls.map((call) => call.startMs))).toBeGreaterThanOrEqual(sim.patternStartMs ?? 0);
    }
  });

  it('give SIM-box SIMs almost no incoming calls', () => {
    const simNumbers = new Set(labelled('simbox').map((sim) => sim.number));
    const calls = network(DAY_NETWORK).calls;
    const outgoing = calls.filter((call) => simNumbers.has(call.caller)).length;
    const incoming = calls.filter((call) => simNumbers.has(call.callee)).length;
    expect(outgoing).toBeGreaterThan(1_000);
    expect(incoming / outgoing).toBeLessThan(0.03);
  });

  it('mark call centres: many distinct callees, 60–120 s average, in business hours', () => {
    for (const centre of labelled('call_centre')) {
      const calls = callsOf(centre.number);
      const avg = calls.reduce((sum, call) => sum + call.duration, 0) / calls.length;
      expect(avg).toBeGreaterThanOrEqual(60);
      expect(avg).toBeLessThanOrEqual(120);
      expect(new Set(calls.map((call) => call.callee)).size).toBeGreaterThan(50);
      const localHours = new Set(calls.map((call) => Math.floor((call.startMs + HOUR_MS) / HOUR_MS) % 24));
      expect(Math.min(...localHours)).toBeGreaterThanOrEqual(8);
      expect(Math.max(...localHours)).toBeLessThan(19);
    }
  });

  it('mark flash-call OTP senders: all under the known prefix, zero-second calls to many numbers', () => {
    const senders = labelled('otp');
    for (const sender of senders) {
      expect(sender.number.startsWith(FLASH_CALL_PREFIX)).toBe(true);
      const calls = callsOf(sender.number);
      expect(calls.every((call) => call.duration === 0 && !call.answered)).toBe(true);
      expect(new Set(calls.map((call) => call.callee)).size).toBeGreaterThan(50);
    }
    // Nobody else calls from the prefix.
    const senderNumbers = new Set(senders.map((sender) => sender.number));
    const others = network(DAY_NETWORK).calls.filter(
      (call) => call.caller.startsWith(FLASH_CALL_PREFIX) && !senderNumbers.has(call.caller),
    );
    expect(others).toEqual([]);
  });

  it('mark probe SIMs: regular calls to a handful of responders, from a fixed cell', () => {
    for (const probe of labelled('probe')) {
      const calls = callsOf(probe.number);
      expect(calls.length).toBeGreaterThan(100);
      expect(new Set(calls.map((call) => call.callee)).size).toBeLessThanOrEqual(4);
      expect(new Set(calls.map((call) => call.cell)).size).toBe(1);
    }
  });

  it('leave unlisted callers normal: none of them matches the SDHF rule over 24 h', () => {
    const listed = new Set(network(DAY_NETWORK).labels.callers.map((caller) => caller.number));
    for (const [number, calls] of network(DAY_NETWORK).callsByCaller) {
      if (listed.has(number) || calls.length <= 50) continue;
      const window = bestSdhfWindow(calls, DAY_MS);
      expect(window !== undefined && window.distinct > 50 && window.avgSeconds < 3).toBe(false);
    }
  });
});
