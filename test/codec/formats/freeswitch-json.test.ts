/**
 * The freeswitch profile against mod_json_cdr documents written from the module's documentation and the
 * layout of switch_ivr_generate_json_cdr: answered A leg, unanswered leg with URL-encoded values, the B leg of
 * a bridged call, and an older release's single-object callflow.
 */
import { describe, expect, it } from 'vitest';
import { convertRecordBytes, profileByName, type Cdr } from '../../../src/codec/index.js';
import { fixtureBytes } from './fixtures.js';

const profile = profileByName('freeswitch', { numberPlan: { countryCode: '234', trunkPrefix: '0' } });

function convert(name: string): Cdr {
  const result = convertRecordBytes(profile, fixtureBytes(name));
  if (!result.ok) throw new Error(`${name}: ${result.reason} ${result.message}`);
  return result.cdr;
}

describe('freeswitch profile', () => {
  it('maps an answered A leg: numbers to E.164, start from start_uepoch, duration = billsec', () => {
    expect(convert('freeswitch-a-leg-answered.json')).toEqual({
      callId: 'a5c9f6c0-e752-11e3-8bfb-65b6c3cdac7d',
      caller: 2348031234567,
      callee: 2348057654321,
      startMs: Date.UTC(2024, 4, 29, 16, 59, 50, 123),
      durationSeconds: 42,
      answered: true,
      direction: 'inbound',
      cause: 16,
      switchId: 'fs-lagos-01',
    });
  });

  it('reads URL-encoded values, answer_epoch 0, billsec 0 and the 00 prefix of an unanswered call', () => {
    expect(convert('freeswitch-unanswered-encoded.json')).toEqual({
      callId: 'e29ff0ae-e752-11e3-8bff-65b6c3cdac7d',
      caller: 2348031234567,
      callee: 2348057650000,
      startMs: Date.UTC(2024, 4, 29, 17, 1, 32),
      durationSeconds: 0,
      answered: false,
      direction: 'inbound',
      cause: 19,
      switchId: 'fs-lagos-01',
    });
  });

  it("gives a B leg its A leg's call_id so one call is never counted twice", () => {
    const bLeg = convert('freeswitch-b-leg.json');
    expect(bLeg.callId).toBe(convert('freeswitch-a-leg-answered.json').callId);
    expect(bLeg.direction).toBe('outbound');
    expect(bLeg.callee).toBe(2348057654321);
  });

  it('falls back to the caller profile (ani), callflow times and channel_data of an older single-object callflow', () => {
    expect(convert('freeswitch-legacy-callflow.json')).toEqual({
      callId: 'c3d4e5f6-0a1b-4c2d-9e3f-405162738495',
      caller: 2348031112222,
      callee: 2348059998888,
      startMs: 1_717_002_200_000,
      durationSeconds: 7,
      answered: true,
      direction: 'inbound',
      cause: 16,
      switchId: 'fs-abuja-02',
    });
  });

  it('uses duration when billsec is missing and rejects what detection cannot use', () => {
    const base = { variables: { uuid: 'u-1', caller_id_number: '2348031234567', start_epoch: '1717001990' } };
    const withDuration = convertRecordBytes(
      profile,
      Buffer.from(
        JSON.stringify({
          variables: { ...base.variables, destination_number: '2348057654321', duration: '9' },
        }),
      ),
    );
    expect(withDuration.ok && withDuration.cdr.durationSeconds).toBe(9);
    const noCallee = convertRecordBytes(
      profile,
      Buffer.from(JSON.stringify({ variables: { ...base.variables, billsec: '3' } })),
    );
    expect(noCallee).toMatchObject({ ok: false, reason: 'missing_field', field: 'callee' });
    const anonymous = convertRecordBytes(
      profile,
      Buffer.from(
        JSON.stringify({
          variables: {
            ...base.variables,
            caller_id_number: 'anonymous',
            destination_number: '2348057654321',
            billsec: '3',
          },
        }),
      ),
    );
    expect(anonymous).toMatchObject({ ok: false, reason: 'invalid_caller' });
    const badDuration = convertRecordBytes(
      profile,
      Buffer.from(
        JSON.stringify({
          variables: { ...base.variables, destination_number: '2348057654321', billsec: 'n/a' },
        }),
      ),
    );
    expect(badDuration).toMatchObject({ ok: false, reason: 'bad_duration' });
  });

  it('accepts documents far above the contract size limit and refuses runaway ones', () => {
    const padded = JSON.parse(fixtureBytes('freeswitch-a-leg-answered.json').toString()) as Record<
      string,
      unknown
    >;
    (padded.variables as Record<string, string>).sip_full_via = 'x'.repeat(20_000);
    expect(convertRecordBytes(profile, Buffer.from(JSON.stringify(padded))).ok).toBe(true);
    (padded.variables as Record<string, string>).sip_full_via = 'x'.repeat(300_000);
    expect(convertRecordBytes(profile, Buffer.from(JSON.stringify(padded)))).toMatchObject({
      reason: 'too_large',
    });
  });
});
