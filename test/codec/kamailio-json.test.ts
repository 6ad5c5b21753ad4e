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

/** Shortly after the capture, so the validator's future-skew check sees the records as recent. */
const NOW_MS = 1_796_533_600_000;

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

function captured(callId: string): Record<string, unknown> {
  const record = CAPTURED.find((r) => r.call_id === callId);
  if (record === undefined) throw new Error(`no captured record ${callId}`);
  return record;
}

describe('kamailio input profile', () => {
  it('is the JSON profile named kamailio', () => {
    expect(kamailioJsonProfile.name).toBe('kamailio');
    expect(kamailioJsonProfile.format).toBe('json');
  });

  it('accepts every captured record', () => {
    expect(CAPTURED).toHaveLength(7);
    for (const record of CAPTURED) expect(convert(record)).toMatchObject({ ok: true });
  });

  it('maps an answered call: answer time, duration rounded from milliseconds, normal clearing', () => {
    expect(convertOk(captured('1-972@127.0.0.1'))).toEqual({
      callId: '1-972@127.0.0.1',
      caller: 441632960001,
      callee: 442079460101,
      startMs: 1_796_533_544_000,
      durationSeconds: 3,
      answered: true,
      cause: 16,
      switchId: 'kamailio-lab-1',
    });
    // 505 ms: the whole-second clock readings say 1 s, the measured duration rounds to 1 s as well.
    expect(convertOk(captured('q"b\\\\s-1-1039@127.0.0.1')).durationSeconds).toBe(1);
  });

  it('maps a busy call as an unanswered attempt of 0 s with cause 17', () => {
    expect(convertOk(captured('1-1007@127.0.0.1'))).toEqual({
      callId: '1-1007@127.0.0.1',
      caller: 441632960002,
      callee: 442079460486,
      startMs: 1_796_533_548_000,
      durationSeconds: 0,
      answered: false,
      cause: 17,
      switchId: 'kamailio-lab-1',
    });
  });

  it('maps a call nobody answered (tm timed out: 408) to cause 102', () => {
    const cdr = convertOk(captured('1-1583@127.0.0.1'));
    expect(cdr).toMatchObject({ answered: false, durationSeconds: 0, cause: 102 });
    expect(cdr.startMs).toBe(1_796_533_571_000);
  });

  it('keeps a Call-ID with quotes and backslashes exactly, and strips + from numbers', () => {
    expect(convertOk(captured('q"b\\\\s-1-1039@127.0.0.1')).callId).toBe('q"b\\\\s-1-1039@127.0.0.1');
    expect(convertOk(captured('1-1014@127.0.0.1'))).toMatchObject({
      caller: 441632960003,
      callee: 442079460103,
    });
  });

  it('replaces a Call-ID longer than the contract allows by a digest, the same each time', () => {
    const longId =
      'a84b4c76e66710-1-13596-0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978@sbc-edge-7.example.net';
    const cdr = convertOk(captured(longId));
    expect(cdr.callId).toMatch(/^sha256-[0-9a-f]{48}$/);
    expect(convertOk({ ...captured(longId) }).callId).toBe(cdr.callId);
    expect(convertOk({ ...captured(longId), call_id: `${longId}x` }).callId).not.toBe(cdr.callId);
    expect(cdr).toMatchObject({ caller: 441632960006, durationSeconds: 2, answered: true });
  });

  it('reads the same record spelled as strings', () => {
    for (const record of CAPTURED) {
      const spelled = Object.fromEntries(Object.entries(record).map(([key, value]) => [key, String(value)]));
      expect(convertOk(spelled)).toEqual(convertOk(record));
    }
  });

  it('falls back to setup for start and to whole-second duration when the precise fields are missing', () => {
    const { start: _start, duration_ms: _durationMs, ...rest } = captured('1-1002@127.0.0.1');
    expect(convertOk({ ...rest, duration: 2 })).toMatchObject({
      startMs: 1_796_533_547_000,
      durationSeconds: 2,
    });
  });

  it('hands values it cannot convert to the validator, which names the reason', () => {
    const base = captured('1-1002@127.0.0.1');
    expect(convert({ ...base, start: 'yesterday', setup: undefined })).toMatchObject({
      ok: false,
      reason: 'invalid_start',
    });
    expect(convert({ ...base, duration_ms: 'long', duration: 'long' })).toMatchObject({
      ok: false,
      reason: 'bad_duration',
    });
    expect(convert({ ...base, caller: 'anonymous' })).toMatchObject({ ok: false, reason: 'invalid_caller' });
    const { call_id: _callId, ...withoutId } = base;
    expect(convert(withoutId)).toMatchObject({ ok: false, reason: 'missing_field', field: 'call_id' });
  });

  it('leaves the cause out when the reply or its mapping is unknown', () => {
    const busy = captured('1-1007@127.0.0.1');
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
