/**
 * The `kamailio` input profile against records captured from a real Kamailio 5.6.3 running
 * deploy/kamailio/kamailio.cfg (how they were captured: test/feeds/fixtures/README.md), then through the one
 * contract validator, as the feed normaliser does.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  kamailioJsonProfile,
  q850CauseOfSipCode,
  validateCdrObject,
  type Cdr,
  type DecodeResult,
} from '../../src/codec/index.js';

const CAPTURED = readFileSync(
  new URL('../feeds/fixtures/kamailio-5.6.3-cdrs.ndjson', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line) as Record<string, unknown>);

/** Just after the last captured call, so the validator's future-skew check sees the records as recent. */
const NOW_MS = Math.max(...CAPTURED.map((record) => Number(record.end))) * 1000 + 60_000;

function convert(value: Record<string, unknown>): DecodeResult {
  const outcome = kamailioJsonProfile.fromJson(value);
  if (!outcome.ok) throw new Error(`profile rejected the record: ${outcome.message}`);
  return validateCdrObject(outcome.record, { nowMs: NOW_MS });
}

function convertOk(value: Record<string, unknown>): Cdr {
  const result = convert(value);
  if (!result.ok) throw new Error(`${result.reason}: ${result.message}`);
  return result.cdr;
}

/** The captured record of the call placed by `caller` (each case has its own calling number). */
function capturedFrom(caller: string): Record<string, unknown> {
  const record = CAPTURED.find((r) => r.caller === caller);
  if (record === undefined) throw new Error(`no captured record from ${caller}`);
  return record;
}

const epochMs = (record: Record<string, unknown>, field: 'setup' | 'start'): number =>
  Number(record[field]) * 1000;

describe('kamailio input profile', () => {
  it('is the JSON profile named kamailio', () => {
    expect(kamailioJsonProfile.name).toBe('kamailio');
    expect(kamailioJsonProfile.format).toBe('json');
  });

  it('accepts every captured record', () => {
    expect(CAPTURED).toHaveLength(8);
    for (const record of CAPTURED) expect(convert(record)).toMatchObject({ ok: true });
  });

  it('maps an answered call: answer time, duration rounded from milliseconds, normal clearing', () => {
    const record = capturedFrom('441632960001');
    expect(record).toMatchObject({ duration_ms: expect.any(Number), ended_by: 'caller' });
    expect(convertOk(record)).toEqual({
      callId: record.call_id,
      caller: 441632960001,
      callee: 442079460101,
      startMs: epochMs(record, 'start'),
      durationSeconds: Math.round(Number(record.duration_ms) / 1000),
      answered: true,
      cause: 16,
      switchId: 'kamailio-lab-1',
    });
    expect(convertOk(record).durationSeconds).toBe(3);
    // Held 0.5 s: rounds to 1 s, whatever the whole-second clock readings said.
    expect(convertOk(capturedFrom('441632960004')).durationSeconds).toBe(1);
  });

  it('maps a busy call as an unanswered attempt of 0 s with cause 17', () => {
    const record = capturedFrom('441632960002');
    expect(record).toMatchObject({ sip_code: 486, ended_by: 'callee' });
    expect(convertOk(record)).toEqual({
      callId: record.call_id,
      caller: 441632960002,
      callee: 442079460486,
      startMs: epochMs(record, 'setup'),
      durationSeconds: 0,
      answered: false,
      cause: 17,
      switchId: 'kamailio-lab-1',
    });
  });

  it('maps a call nobody answered (Kamailio timed it out: 408) to cause 102', () => {
    const record = capturedFrom('441632960005');
    expect(record).toMatchObject({ sip_code: 408, ended_by: 'timeout' });
    expect(convertOk(record)).toMatchObject({
      answered: false,
      durationSeconds: 0,
      cause: 102,
      startMs: epochMs(record, 'setup'),
    });
  });

  it('maps an answered call that the dialog timeout ended like any answered call', () => {
    const record = capturedFrom('441632960007');
    expect(record).toMatchObject({ ended_by: 'timeout', answered: true });
    expect(convertOk(record)).toMatchObject({ answered: true, cause: 16 });
  });

  it('keeps a Call-ID with quotes and backslashes exactly, and strips + from numbers', () => {
    const quoted = capturedFrom('441632960004');
    expect(quoted.call_id).toMatch(/^q"b\\s-/);
    expect(convertOk(quoted).callId).toBe(quoted.call_id);
    expect(convertOk(capturedFrom('+441632960003'))).toMatchObject({
      caller: 441632960003,
      callee: 442079460103,
    });
  });

  it('replaces a Call-ID longer than the contract allows by a digest, the same each time', () => {
    const record = capturedFrom('441632960006');
    expect(String(record.call_id).length).toBeGreaterThan(64);
    const cdr = convertOk(record);
    expect(cdr.callId).toMatch(/^sha256-[0-9a-f]{48}$/);
    expect(convertOk({ ...record }).callId).toBe(cdr.callId);
    expect(convertOk({ ...record, call_id: `${String(record.call_id)}x` }).callId).not.toBe(cdr.callId);
    expect(cdr).toMatchObject({ caller: 441632960006, durationSeconds: 2, answered: true });
  });

  it('reads the same record spelled as strings', () => {
    for (const record of CAPTURED) {
      const spelled = Object.fromEntries(Object.entries(record).map(([key, value]) => [key, String(value)]));
      expect(convertOk(spelled)).toEqual(convertOk(record));
    }
  });

  it('falls back to setup for start and to whole-second duration when the precise fields are missing', () => {
    const record = capturedFrom('447700900123');
    const { start: _start, duration_ms: _durationMs, ...rest } = record;
    expect(convertOk({ ...rest, duration: 2 })).toMatchObject({
      startMs: epochMs(record, 'setup'),
      durationSeconds: 2,
    });
  });

  it('hands values it cannot convert to the validator, which names the reason', () => {
    const base = capturedFrom('447700900123');
    expect(convert({ ...base, start: 'yesterday', setup: undefined })).toMatchObject({
      ok: false,
      reason: 'invalid_start',
    });
    expect(convert({ ...base, duration_ms: 'long', duration: 'long' })).toMatchObject({
      ok: false,
      reason: 'bad_duration',
    });
    expect(convert({ ...base, caller: 'anonymous' })).toMatchObject({ ok: false, reason: 'invalid_caller' });
    // An empty string is an absent value (lenient decoding), so an empty caller is a missing field.
    expect(convert({ ...base, caller: '' })).toMatchObject({
      ok: false,
      reason: 'missing_field',
      field: 'caller',
    });
    const { call_id: _callId, ...withoutId } = base;
    expect(convert(withoutId)).toMatchObject({ ok: false, reason: 'missing_field', field: 'call_id' });
  });

  it('leaves the cause out when the reply or its mapping is unknown', () => {
    const busy = capturedFrom('441632960002');
    expect(convertOk({ ...busy, sip_code: 487 }).cause).toBeUndefined();
    expect(convertOk({ ...busy, sip_code: 'none' }).cause).toBeUndefined();
  });
});

describe('q850CauseOfSipCode', () => {
  it('maps the common final replies after RFC 3398', () => {
    expect(q850CauseOfSipCode(200)).toBe(16);
    expect(q850CauseOfSipCode(404)).toBe(1);
    expect(q850CauseOfSipCode(480)).toBe(18);
    expect(q850CauseOfSipCode(486)).toBe(17);
    expect(q850CauseOfSipCode(503)).toBe(41);
    expect(q850CauseOfSipCode(603)).toBe(21);
  });

  it('has no cause for replies without an agreed mapping', () => {
    for (const code of [400, 481, 487, 488, 606, 199, 302]) expect(q850CauseOfSipCode(code)).toBeUndefined();
  });
});
