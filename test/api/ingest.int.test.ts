import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JWT_AUDIENCE,
  JWT_ISSUER,
  JWT_SECRET,
  OPS_KEY,
  startApiHarness,
  type ApiHarness,
} from './support/api-harness.js';
import { multipartFile } from './support/multipart.js';
import { waitFor } from './support/wait-for.js';

const HEADER = 'call_date,call_time,caller_number,callee_number,duration_seconds,call_direction';
const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

function csv(rows: string[]): string {
  return [HEADER, ...rows].join('\n') + '\n';
}

const GOOD_ROWS = [
  `${yesterday},10:00:00,+2348011111111,2348022222201,2,outbound`,
  `${yesterday},10:00:05,2348011111111,2348022222202,1,outbound`,
  `${yesterday},10:00:09,2348033333333,2348022222203,45,inbound`,
];

describe('POST /ingest', () => {
  let h: ApiHarness;
  const upload = async (
    content: string,
    options: { filename?: string; query?: string; headers?: Record<string, string> } = {},
  ) => {
    const body = multipartFile('cdr_file', options.filename ?? 'cdrs.csv', content);
    return await h.app.inject({
      method: 'POST',
      url: `/api/v1/sentinel/ingest${options.query ?? ''}`,
      headers: { ...(options.headers ?? h.auth), ...body.headers },
      payload: body.payload,
    });
  };

  beforeAll(async () => {
    h = await startApiHarness({ env: { INGEST_MAX_BYTES: '4096', RATE_LIMIT_INGEST_PER_MINUTE: '20' } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('publishes valid rows to the CDR stream and reports bad ones as `Row N: reason`', async () => {
    const response = await upload(
      csv([GOOD_ROWS[0]!, GOOD_ROWS[1]!, `${yesterday},10:01:00,+234ABC123,2348022222204,3`, GOOD_ROWS[2]!]),
    );
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      status: 'partial',
      records_processed: 4,
      records_valid: 3,
      records_inserted: 3,
      duplicates_skipped: 0,
      error_count: 1,
      distinct_callers: 2,
      dry_run: false,
    });
    expect(body.errors).toEqual(['Row 3: Invalid phone number format: +234ABC123 (caller_number)']);
    expect(body.processing_time_seconds).toBeGreaterThanOrEqual(0);
    expect(await h.engine.storedMessages()).toBe(3);
    // The rows took the switch path: the engine's windows saw them.
    const dayCalls = await waitFor(async () => {
      const view = await h.engine.callerView('2348011111111');
      const calls = view?.windows.find((window) => window.windowSeconds === 86_400)?.callCount ?? 0;
      return calls >= 2 ? calls : undefined;
    });
    expect(dayCalls).toBe(2);
  });

  it('skips rows already published (same content, same call_id) on a second upload', async () => {
    const response = await upload(csv(GOOD_ROWS));
    expect(response.json()).toMatchObject({
      status: 'partial',
      records_inserted: 0,
      duplicates_skipped: 3,
      error_count: 0,
    });
    expect(await h.engine.storedMessages()).toBe(3);
  });

  it('accepts a text/csv body and a fresh file gets status success', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/api/v1/sentinel/ingest',
      headers: { ...h.auth, 'content-type': 'text/csv' },
      payload: csv([`${yesterday},11:00:00,2348044444444,2348022222209,7`]),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'success', records_inserted: 1 });
  });

  it('validates without publishing in a dry run (query flag or /ingest/validate)', async () => {
    const before = await h.engine.storedMessages();
    const rows = csv([
      `${yesterday},12:00:00,2348055555555,2348022222210,7`,
      `${yesterday},25:00:00,2348055555555,1,7`,
    ]);
    const flagged = await upload(rows, { query: '?dry_run=true' });
    expect(flagged.json()).toMatchObject({
      status: 'validated',
      records_valid: 1,
      records_inserted: 0,
      error_count: 1,
    });
    expect(flagged.json().errors[0]).toMatch(/^Row 2: Invalid call_time/);
    const body = multipartFile('cdr_file', 'x.csv', rows);
    const validate = await h.app.inject({
      method: 'POST',
      url: '/api/v1/sentinel/ingest/validate',
      headers: { ...h.auth, ...body.headers },
      payload: body.payload,
    });
    expect(validate.json()).toMatchObject({ status: 'validated', dry_run: true });
    expect(await h.engine.storedMessages()).toBe(before);
  });

  it('answers 422 with the row errors when no row is valid', async () => {
    const response = await upload(csv([`${yesterday},10:00:00,abc,2348022222201,2`]));
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ status: 'error', records_valid: 0, error_count: 1 });
  });

  it('refuses a non-.csv file, a wrong field, a file without the required columns, and no file', async () => {
    const txt = await upload(csv(GOOD_ROWS), { filename: 'cdrs.txt' });
    expect(txt.statusCode).toBe(400);
    expect(txt.json()).toMatchObject({ error: 'validation_failed', field: 'body.cdr_file' });

    const other = multipartFile('file', 'cdrs.csv', csv(GOOD_ROWS));
    const wrongField = await h.app.inject({
      method: 'POST',
      url: '/api/v1/sentinel/ingest',
      headers: { ...h.auth, ...other.headers },
      payload: other.payload,
    });
    expect(wrongField.json()).toMatchObject({ field: 'body.cdr_file' });

    const columns = await upload('caller_number,callee_number\n1,2\n');
    expect(columns.statusCode).toBe(400);
    expect(columns.json().message).toContain(
      'Missing required columns: call_date, call_time, duration_seconds',
    );

    const json = await h.app.inject({
      method: 'POST',
      url: '/api/v1/sentinel/ingest',
      headers: h.auth,
      payload: { a: 1 },
    });
    expect(json.statusCode).toBe(400);
    expect(json.json().field).toBe('body.cdr_file');
  });

  it('answers 413 for a file over INGEST_MAX_BYTES, multipart or text/csv', async () => {
    const big = csv(
      Array.from(
        { length: 120 },
        (_unused, i) => `${yesterday},10:00:00,2348011111111,23480222${String(i).padStart(5, '0')},2`,
      ),
    );
    expect(big.length).toBeGreaterThan(4096);
    expect((await upload(big)).statusCode).toBe(413);
    const raw = await h.app.inject({
      method: 'POST',
      url: '/api/v1/sentinel/ingest',
      headers: { ...h.auth, 'content-type': 'text/csv' },
      payload: big,
    });
    expect(raw.statusCode).toBe(413);
    expect(raw.json()).toMatchObject({ status: 'error', error: 'payload_too_large' });
  });

  it('limits each principal to RATE_LIMIT_INGEST_PER_MINUTE and answers 429 with Retry-After', async () => {
    const token = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('rate-tester')
      .setIssuer(JWT_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JWT_SECRET));
    const headers = { authorization: `Bearer ${token}` };
    const tiny = csv([GOOD_ROWS[0]!]);
    for (let i = 0; i < 20; i++)
      expect((await upload(tiny, { headers, query: '?dry_run=true' })).statusCode).toBe(200);
    const limited = await upload(tiny, { headers, query: '?dry_run=true' });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ status: 'error', error: 'rate_limited' });
    // Another principal has its own budget.
    expect(
      (await upload(tiny, { headers: { 'x-api-key': OPS_KEY }, query: '?dry_run=true' })).statusCode,
    ).toBe(200);
  });

  it('records the ingestion duration metric', async () => {
    const text = await h.metrics.text();
    expect(text).toMatch(/sentinel_ingestion_duration_seconds_count [1-9]/);
  });
});
