/**
 * CSV upload in the predecessor's format — or, with `?profile=`, a switch's own export (Asterisk Master.csv,
 * FreeSWITCH JSON CDRs, JSON through a configured mapping file). The file is parsed and validated in a piscina
 * worker; valid rows are published to the CDR stream, so they take exactly the path switch traffic takes
 * (dedup, windows, alerts, the Postgres sink). `records_inserted` therefore counts records the stream
 * accepted: they reach `call_records` moments later. `?dry_run=true` (or POST /ingest/validate) only validates.
 */
import { Type, type Static } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { profileEntry, type CdrJson, type ProfileEntry } from '../../codec/index.js';
import type { ApiApp, ApiContext } from '../api-context.js';
import { UnavailableError, ValidationFailedError } from '../api-errors.js';
import { errorResponses } from '../schemas/common-schemas.js';
import { rateLimitFor } from '../rate-limits.js';

const CSV_FIELD = 'cdr_file';
const DEFAULT_PROFILE = 'seed-csv';
/** File names an upload may have, by the profile's format. */
const FILE_NAME = { csv: /\.csv$/i, json: /\.(json|ndjson|jsonl)$/i } as const;
const MAX_ERRORS_REPORTED = 1_000;
/** Records per publishCdrs call: bounds what is in flight to NATS at once. */
const PUBLISH_CHUNK = 5_000;

const IngestQuery = Type.Object({
  dry_run: Type.Boolean({ default: false, description: 'Validate only; publish nothing' }),
  profile: Type.String({
    default: DEFAULT_PROFILE,
    maxLength: 64,
    description:
      'Input profile: seed-csv (default), asterisk-csv, freeswitch, contract, or the name of a mapping file in ' +
      'FEED_PROFILES (docs/feeds.md)',
  }),
});

const IngestResponse = Type.Object({
  status: Type.Union(
    [Type.Literal('success'), Type.Literal('partial'), Type.Literal('error'), Type.Literal('validated')],
    {
      description:
        '`success`: every row valid and accepted; `partial`: some rows invalid, or nothing new inserted; ' +
        '`error`: no valid row; `validated`: dry run',
    },
  ),
  records_processed: Type.Integer({ description: 'Data rows read' }),
  records_valid: Type.Integer(),
  records_inserted: Type.Integer({ description: 'Records accepted by the CDR stream (0 in a dry run)' }),
  duplicates_skipped: Type.Integer({
    description: 'Records the stream already held (same content-derived call_id)',
  }),
  errors: Type.Array(Type.String(), { description: '`Row N: reason`, the first 1,000' }),
  error_count: Type.Integer({ description: 'Invalid rows, all of them' }),
  distinct_callers: Type.Integer(),
  dry_run: Type.Boolean(),
  processing_time_seconds: Type.Number(),
});
type IngestResponseBody = Static<typeof IngestResponse>;

async function readUpload(request: FastifyRequest, maxBytes: number, entry: ProfileEntry): Promise<Buffer> {
  if (Buffer.isBuffer(request.body)) return request.body; // text/csv or application/x-ndjson body
  if (!request.isMultipart()) {
    throw new ValidationFailedError(
      `body.${CSV_FIELD}`,
      `send the CSV as multipart/form-data field ${CSV_FIELD}, or as a text/csv body`,
    );
  }
  const file = await request.file({ limits: { fileSize: maxBytes, files: 1 } });
  if (file === undefined || file.fieldname !== CSV_FIELD) {
    file?.file.resume();
    throw new ValidationFailedError(`body.${CSV_FIELD}`, `body.${CSV_FIELD} is required (a .csv file)`);
  }
  if (!FILE_NAME[entry.format].test(file.filename)) {
    file.file.resume();
    const expected = entry.format === 'csv' ? 'a .csv file' : 'a .json, .ndjson or .jsonl file';
    throw new ValidationFailedError(
      `body.${CSV_FIELD}`,
      `body.${CSV_FIELD} must be ${expected} for the ${entry.name} profile`,
    );
  }
  return await file.toBuffer();
}

async function publishInChunks(
  ctx: ApiContext,
  records: CdrJson[],
): Promise<{ published: number; duplicates: number }> {
  let published = 0;
  let duplicates = 0;
  for (let start = 0; start < records.length; start += PUBLISH_CHUNK) {
    const chunk = records.slice(start, start + PUBLISH_CHUNK) as unknown as Record<string, unknown>[];
    try {
      const result = await ctx.engine.publishCdrs(chunk);
      published += result.published;
      duplicates += result.duplicates;
    } catch (error) {
      throw new UnavailableError(
        `publishing to the CDR stream failed after ${published + duplicates} of ${records.length} records; ` +
          'uploading the same file again is safe (records are deduplicated)',
        { cause: error },
      );
    }
  }
  return { published, duplicates };
}

function outcome(
  valid: number,
  inserted: number,
  errorCount: number,
  dryRun: boolean,
): IngestResponseBody['status'] {
  if (valid === 0) return 'error';
  if (dryRun) return 'validated';
  return errorCount > 0 || inserted === 0 ? 'partial' : 'success';
}

export function registerIngestRoutes(app: ApiApp, ctx: ApiContext): void {
  const maxBytes = ctx.config.ingestMaxBytes;
  for (const type of ['text/csv', 'application/x-ndjson']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => {
      done(null, body);
    });
  }
  const duration = ctx.metrics.histogram('sentinel_ingestion_duration_seconds');
  const feed = ctx.config.feed;
  /** The registry entry for `name` and the mapping it needs; a 400 naming query.profile when unusable. */
  const uploadProfile = (name: string) => {
    const mapping = feed.profiles.find((profile) => profile.name === name)?.mapping;
    const entry = profileEntry(name, { mapping });
    if (
      entry === undefined ||
      (entry.name === 'mapping' && mapping === undefined) ||
      entry.name === 'kamailio'
    ) {
      const mappings = feed.profiles
        .filter((profile) => profile.mapping !== undefined)
        .map((profile) => profile.name);
      const known = ['seed-csv', 'asterisk-csv', 'freeswitch', 'contract', ...mappings];
      throw new ValidationFailedError('query.profile', `query.profile must be one of ${known.join(', ')}`);
    }
    return { entry, mapping };
  };

  const handle = async (
    request: FastifyRequest,
    reply: FastifyReply,
    dryRun: boolean,
  ): Promise<IngestResponseBody> => {
    const startedAt = performance.now();
    const profileName = (request.query as { profile?: string }).profile ?? DEFAULT_PROFILE;
    const { entry, mapping } = uploadProfile(profileName);
    const upload = await readUpload(request, maxBytes, entry);
    const bytes = upload.byteLength;
    const parsed = await ctx.csv.parse(upload, {
      profile: profileName,
      timeZone: feed.timeZone,
      numberPlan: feed.numberPlan,
      mapping,
      maxErrors: MAX_ERRORS_REPORTED,
    });
    if (parsed.fileError !== undefined)
      throw new ValidationFailedError(`body.${CSV_FIELD}`, parsed.fileError);
    const { published, duplicates } = dryRun
      ? { published: 0, duplicates: 0 }
      : await publishInChunks(ctx, parsed.records);
    const seconds = (performance.now() - startedAt) / 1_000;
    if (!dryRun) duration.observe(seconds);
    const valid = parsed.records.length;
    const body: IngestResponseBody = {
      status: outcome(valid, published, parsed.errorCount, dryRun),
      records_processed: parsed.rowCount,
      records_valid: valid,
      records_inserted: published,
      duplicates_skipped: duplicates,
      errors: parsed.errors,
      error_count: parsed.errorCount,
      distinct_callers: parsed.distinctCallers,
      dry_run: dryRun,
      processing_time_seconds: Math.round(seconds * 1_000) / 1_000,
    };
    request.log.info(
      {
        bytes,
        profile: profileName,
        rows: parsed.rowCount,
        valid,
        invalid: parsed.errorCount,
        published,
        duplicates,
        dryRun,
      },
      'upload processed',
    );
    // No valid row at all: 422 so `curl -f` and scripts notice, with the same body listing the row errors.
    if (body.status === 'error') void reply.code(422);
    return body;
  };

  const schema = (summary: string, description: string) => ({
    summary,
    description,
    tags: ['ingest'],
    consumes: ['multipart/form-data', 'text/csv', 'application/x-ndjson'],
    querystring: IngestQuery,
    response: { 200: IngestResponse, ...errorResponses(413, 415, 429, 503), 422: IngestResponse },
  });
  const routeOptions = {
    bodyLimit: maxBytes,
    preHandler: rateLimitFor(app, ctx.config.rateLimit.ingestPerMinute),
  };
  app.post(
    '/ingest',
    {
      ...routeOptions,
      schema: schema(
        'Upload a CSV of CDRs',
        `multipart/form-data with the file in field \`${CSV_FIELD}\` (.csv), or a text/csv body. Columns: ` +
          'call_date (YYYY-MM-DD), call_time (HH:MM:SS, UTC), caller_number, callee_number, duration_seconds ' +
          '[, call_direction, termination_cause, location_code]. Valid rows go to the CDR stream. With ' +
          '`profile=asterisk-csv` the file is an Asterisk Master.csv; with a JSON profile (freeswitch, contract, a ' +
          'configured mapping) it is NDJSON or concatenated JSON documents (.json/.ndjson/.jsonl). Times without ' +
          'a zone are read in FEED_TIME_ZONE, national numbers use FEED_COUNTRY_CODE.',
      ),
    },
    async (request, reply) => await handle(request, reply, request.query.dry_run),
  );
  app.post(
    '/ingest/validate',
    {
      ...routeOptions,
      schema: schema('Validate a CSV without publishing', 'Same as POST /ingest?dry_run=true.'),
    },
    async (request, reply) => await handle(request, reply, true),
  );
}
