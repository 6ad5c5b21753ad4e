/**
 * POST /ingest with `?profile=`: switch exports uploaded as they are, converted in the parse worker with the
 * deployment's zone and numbering plan, answered with the same fields and `Row N: reason` errors as the seed
 * CSV.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBytes, fixtureText } from '../codec/formats/fixtures.js';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';
import { multipartFile } from './support/multipart.js';

describe('POST /ingest?profile=', () => {
  let h: ApiHarness;
  let folder: string;
  const upload = async (
    profile: string | undefined,
    filename: string,
    content: string | Buffer,
    dryRun = false,
  ) => {
    const body = multipartFile('cdr_file', filename, content);
    const query = new URLSearchParams();
    if (profile !== undefined) query.set('profile', profile);
    if (dryRun) query.set('dry_run', 'true');
    return await h.app.inject({
      method: 'POST',
      url: `/api/v1/sentinel/ingest?${query.toString()}`,
      headers: { ...h.auth, ...body.headers },
      payload: body.payload,
    });
  };

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'sentinel-ingest-'));
    writeFileSync(join(folder, 'mediation.yaml'), fixtureText('mediation.yaml'));
    h = await startApiHarness({
      env: {
        FEED_PROFILES: `mapping:${join(folder, 'mediation.yaml')}`,
        FEED_TIME_ZONE: 'Africa/Lagos',
        FEED_COUNTRY_CODE: '234',
      },
    });
  });

  afterAll(async () => {
    await h.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('reads an Asterisk Master.csv in the configured zone and numbering plan', async () => {
    const response = await upload('asterisk-csv', 'Master.csv', fixtureBytes('asterisk-master.csv'));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'partial',
      records_processed: 6,
      records_valid: 5,
      records_inserted: 5,
      error_count: 1,
      distinct_callers: 1,
    });
    expect(response.json().errors).toEqual([
      expect.stringMatching(/^Row 5: callee must be an E\.164 number/),
    ]);
  });

  it('reads FreeSWITCH JSON documents, one after another in one .json file', async () => {
    const documents = Buffer.concat([
      fixtureBytes('freeswitch-a-leg-answered.json'),
      fixtureBytes('freeswitch-unanswered-encoded.json'),
    ]);
    const response = await upload('freeswitch', 'cdrs.json', documents, true);
    expect(response.json()).toMatchObject({
      status: 'validated',
      records_processed: 2,
      records_valid: 2,
      error_count: 0,
    });
  });

  it('reads a configured mapping by its name', async () => {
    const response = await upload(
      'mediation',
      'export.ndjson',
      fixtureBytes('mediation-records.ndjson'),
      true,
    );
    expect(response.json()).toMatchObject({ records_processed: 3, records_valid: 2, error_count: 1 });
    expect(response.json().errors).toEqual([
      'Row 3: start "2024-05-29T18:02:00" does not match the format DD/MM/YYYY HH:mm:ss',
    ]);
  });

  it('refuses unknown profiles and a file that does not fit the profile, naming the field', async () => {
    const unknown = await upload('cisco', 'x.csv', 'a,b\n');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ error: 'validation_failed', field: 'query.profile' });
    expect(unknown.json().message).toContain('seed-csv, asterisk-csv, freeswitch, contract, mediation');
    expect((await upload('kamailio', 'x.json', '{}')).json()).toMatchObject({ field: 'query.profile' });
    const wrongFile = await upload('freeswitch', 'cdrs.csv', '{}');
    expect(wrongFile.statusCode).toBe(400);
    expect(wrongFile.json().message).toContain('.json, .ndjson or .jsonl file for the freeswitch profile');
  });

  it('keeps the seed CSV the default', async () => {
    const response = await upload(undefined, 'seed.csv', fixtureBytes('seed.csv'), true);
    expect(response.json()).toMatchObject({ records_processed: 3, records_valid: 2 });
    expect(response.json().errors).toEqual([
      'Row 3: Invalid phone number format: +234ABC123 (caller_number)',
    ]);
  });
});
