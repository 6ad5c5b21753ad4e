/**
 * `sentinel publish [FILE|-] [options]`: reads CDRs as NDJSON (one JSON object per line) or CSV in the
 * predecessor's columns — or, with `--profile`, in a switch's own format (publish-profile-input.ts) — validates
 * each with the engine's own rules, and publishes the valid ones to their partition subject with bounded
 * in-flight acks. Invalid records are reported (line or row number and reason)
 * and not published: the dead-letter stream is for what switches send, not for a file the operator can fix.
 * Prints one JSON summary on stdout. Exit code 0 when every record was stored, 1 when some were invalid or
 * not stored, 2 for bad arguments or unreadable input.
 */
import { open } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { Readable as ReadableStream } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { parse as parseCsv } from 'csv-parse';
import type { Logger } from 'pino';
import { DEFAULT_MAX_CDR_BYTES } from '../codec/index.js';
import { decodeCdr } from '../codec/index.js';
import { numberDigits } from '../codec/index.js';
import { CsvCdrConverter } from '../codec/index.js';
import { detectFormat, splitLines, type RecordFormat } from '../codec/index.js';
import { CdrPublisher, natsServers, PublishFailedError } from '../stream/index.js';
import { UsageError } from '../shared/index.js';
import { parsePublishArgs, PUBLISH_USAGE, type PublishArgs } from './publish-args.js';
import { profileFromFlags } from './profile-flags.js';
import { publishThroughProfile } from './publish-profile-input.js';

export interface PublishCommandIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

export interface PublishCommandDeps {
  natsUrl: string;
  /** Partitions of the CDR stream; must match the engine's. */
  partitions: number;
  logger: Logger;
}

/** What the publish loops need of a publisher; a dry run counts instead of publishing. */
type RecordPublisher = Pick<CdrPublisher, 'publishCdr' | 'publishRaw' | 'flush' | 'close' | 'stats'>;

function dryRunPublisher(): RecordPublisher {
  const stats = { published: 0, acked: 0, duplicates: 0, failed: 0, retries: 0, inFlight: 0 };
  return {
    publishCdr: async () => undefined,
    publishRaw: async () => undefined,
    flush: async () => undefined,
    close: async () => undefined,
    stats: () => ({ ...stats }),
  };
}

export interface PublishSummary {
  format: RecordFormat;
  /** Set on a dry run: records were converted and validated, nothing was published. */
  dryRun?: boolean;
  /** The input profile used, when --profile was given. */
  profile?: string;
  /** Records read (blank lines and the CSV header excluded). */
  records: number;
  published: number;
  acked: number;
  duplicates: number;
  failed: number;
  invalid: number;
  /** `Line N: reason (field): message` or `Row N: reason`, the first `--max-errors` of them. */
  invalidRecords: string[];
  publishFailures: string[];
  elapsedSeconds: number;
  ratePerSecond: number;
}

function formatFromName(file: string): RecordFormat | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl') || lower.endsWith('.json')) return 'ndjson';
  return undefined;
}

/** Paces records to `ratePerSecond` by sleeping whenever the run is ahead of schedule. */
function createPacer(ratePerSecond: number | undefined): () => Promise<void> {
  if (ratePerSecond === undefined) return async () => undefined;
  const startMs = performance.now();
  let sent = 0;
  return async () => {
    const dueMs = startMs + (sent++ * 1000) / ratePerSecond;
    const aheadMs = dueMs - performance.now();
    if (aheadMs >= 2) await sleep(aheadMs);
  };
}

interface RunState {
  summary: PublishSummary;
  maxErrors: number;
}

function recordInvalid(state: RunState, text: string): void {
  state.summary.invalid++;
  if (state.summary.invalidRecords.length < state.maxErrors) state.summary.invalidRecords.push(text);
}

async function publishNdjson(
  chunks: AsyncIterable<unknown>,
  publisher: RecordPublisher,
  state: RunState,
  pace: () => Promise<void>,
): Promise<void> {
  for await (const { line, bytes, truncated } of splitLines(chunks, DEFAULT_MAX_CDR_BYTES * 8)) {
    if (!truncated && bytes.every((byte) => byte === 0x20 || byte === 0x09)) continue;
    state.summary.records++;
    if (truncated) {
      recordInvalid(state, `Line ${line}: too_large: line is longer than ${DEFAULT_MAX_CDR_BYTES * 8} bytes`);
      continue;
    }
    const decoded = decodeCdr(bytes);
    if (!decoded.ok) {
      const field = decoded.field === undefined ? '' : ` (${decoded.field})`;
      recordInvalid(state, `Line ${line}: ${decoded.reason}${field}: ${decoded.message}`);
      continue;
    }
    await pace();
    await publisher.publishRaw(bytes, decoded.cdr.callId, numberDigits(decoded.cdr.caller));
  }
}

async function publishCsv(
  chunks: AsyncIterable<unknown>,
  publisher: RecordPublisher,
  state: RunState,
  pace: () => Promise<void>,
  timeZone: string,
): Promise<void> {
  const parser = parseCsv({
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    max_record_size: 65_536,
  });
  // pipeline, not pipe: a read error must reach the parser (and so the loop below) instead of hanging it.
  const pumped = pipeline(ReadableStream.from(chunks), parser).then(
    () => undefined,
    (error: unknown) => error,
  );
  let converter: CsvCdrConverter | undefined;
  let row = 0;
  for await (const values of parser as AsyncIterable<string[]>) {
    if (converter === undefined) {
      const created = CsvCdrConverter.forHeader(values, { timeZone });
      if (!(created instanceof CsvCdrConverter)) throw new UsageError(`CSV header: ${created.error}`);
      converter = created;
      continue;
    }
    row++;
    state.summary.records++;
    const converted = converter.convert(values, row);
    if (!converted.ok) {
      recordInvalid(state, converted.error);
      continue;
    }
    await pace();
    await publisher.publishCdr(converted.record.cdr);
  }
  const pumpError = await pumped;
  if (pumpError !== undefined) throw pumpError;
  if (converter === undefined) throw new UsageError('CSV input is empty: expected a header row');
}

/** Opens the file before anything else so a missing or unreadable file is reported before connecting. */
async function openInput(file: string, stdin: Readable): Promise<Readable> {
  if (file === '-') return stdin;
  const handle = await open(file, 'r');
  return handle.createReadStream();
}

/** Runs `sentinel publish`; resolves to the process exit code. Never throws. */
export async function runPublishCommand(
  args: string[],
  io: PublishCommandIo,
  deps: PublishCommandDeps,
): Promise<number> {
  let parsed: PublishArgs;
  try {
    parsed = parsePublishArgs(args);
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${PUBLISH_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(PUBLISH_USAGE);
    return 0;
  }
  const startedMs = performance.now();
  let nc: NatsConnection | undefined;
  let publisher: RecordPublisher | undefined;
  const state: RunState = {
    maxErrors: parsed.maxErrors,
    summary: {
      format: parsed.format ?? formatFromName(parsed.file) ?? 'ndjson',
      records: 0,
      published: 0,
      acked: 0,
      duplicates: 0,
      failed: 0,
      invalid: 0,
      invalidRecords: [],
      publishFailures: [],
      elapsedSeconds: 0,
      ratePerSecond: 0,
    },
  };
  let exitCode = 0;
  try {
    const profile =
      parsed.profile.profile === undefined
        ? undefined
        : await profileFromFlags(parsed.profile, undefined, Date.now());
    const input = await openInput(parsed.file, io.stdin);
    const detected =
      profile !== undefined
        ? profile.format === 'csv'
          ? 'csv'
          : 'ndjson'
        : (parsed.format ?? formatFromName(parsed.file));
    const { format, chunks } =
      detected === undefined
        ? await detectFormat(input)
        : { format: detected, chunks: input as AsyncIterable<unknown> };
    state.summary.format = format;
    if (profile !== undefined) state.summary.profile = profile.name;
    if (parsed.dryRun) {
      state.summary.dryRun = true;
      publisher = dryRunPublisher();
    } else {
      nc = await connect({ servers: natsServers(deps.natsUrl), name: 'sentinel-publish' });
      publisher = new CdrPublisher(nc, {
        partitions: deps.partitions,
        subjectPrefix: parsed.subjectPrefix,
        maxInFlight: parsed.maxInFlight,
        logger: deps.logger,
      });
    }
    deps.logger.info(
      {
        file: parsed.file,
        format,
        profile: profile?.name,
        partitions: deps.partitions,
        rate: parsed.ratePerSecond,
      },
      'publishing CDRs',
    );
    const pace = createPacer(parsed.ratePerSecond);
    if (profile !== undefined) {
      await publishThroughProfile(
        chunks,
        profile,
        publisher,
        {
          record: () => state.summary.records++,
          invalid: (text) => recordInvalid(state, text),
        },
        pace,
      );
    } else if (format === 'csv')
      await publishCsv(chunks, publisher, state, pace, parsed.profile.timeZone ?? 'UTC');
    else await publishNdjson(chunks, publisher, state, pace);
    await publisher.flush();
  } catch (error) {
    if (error instanceof PublishFailedError) {
      state.summary.publishFailures = error.failures.map(
        (f) => `${f.subject} ${f.msgId ?? ''}: ${f.description}`,
      );
    } else {
      io.stderr.write(`sentinel publish: ${error instanceof Error ? error.message : String(error)}\n`);
      exitCode = 2;
    }
  } finally {
    if (publisher !== undefined) {
      await publisher.close();
      const stats = publisher.stats();
      Object.assign(state.summary, {
        published: stats.published,
        acked: stats.acked,
        duplicates: stats.duplicates,
        failed: stats.failed,
      });
    }
    await nc?.close();
  }
  const elapsedSeconds = (performance.now() - startedMs) / 1000;
  state.summary.elapsedSeconds = Math.round(elapsedSeconds * 1000) / 1000;
  state.summary.ratePerSecond = elapsedSeconds > 0 ? Math.round(state.summary.published / elapsedSeconds) : 0;
  io.stdout.write(`${JSON.stringify(state.summary)}\n`);
  if (exitCode === 0 && (state.summary.invalid > 0 || state.summary.failed > 0)) exitCode = 1;
  return exitCode;
}
