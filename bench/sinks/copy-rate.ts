/**
 * COPY rows/s into the sink's schema through PostgresBatchWriter (encode, offsets, COPY, commit), per schema
 * variant, into an empty day partition and again after preloading that partition. Prints JSON.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/sinks/copy-rate.js \
 *     [--url postgres://...] [--rows 500000] [--preload 3000000] [--batch 5000] \
 *     [--variants brin,no-generated,caller-btree,no-index] [--batches 1000,5000,20000] [--rounds 5]
 *
 * Without --url (or BENCH_DATABASE_URL) it starts an embedded Postgres in a temp folder. Each variant gets
 * a fresh database on that server, dropped afterwards. --batches first compares batch sizes on the first
 * variant; then every variant is measured empty, preloaded with --preload rows, and measured again.
 */
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { pino } from 'pino';
import { startEmbeddedPostgres } from '../../src/embedded/index.js';
import {
  PostgresBatchWriter,
  ensureDailyPartitions,
  migrate,
  type CallRecordRow,
} from '../../src/sinks/index.js';
import { encodeCallRecord, encodeChunks } from '../../src/sinks/copy-text.js';

const logger = pino({ level: 'silent' });
const DAY_START_MS = Date.UTC(2025, 2, 1);
const CALLERS = 100_000;

const VARIANT_SQL: Record<string, string[]> = {
  // The schema as migrated: BRIN on start_time, generated call_timestamp.
  brin: [],
  'no-generated': ['ALTER TABLE call_records DROP COLUMN call_timestamp'],
  'caller-btree': ['CREATE INDEX call_records_caller_idx ON call_records (caller_number, start_time)'],
  'no-index': [
    'DROP INDEX call_records_start_time_brin',
    'ALTER TABLE call_records DROP COLUMN call_timestamp',
  ],
};

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    rows: { type: 'string', default: '500000' },
    preload: { type: 'string', default: '3000000' },
    batch: { type: 'string', default: '5000' },
    variants: { type: 'string', default: 'brin,no-generated,caller-btree' },
    batches: { type: 'string', default: '' },
    rounds: { type: 'string', default: '5' },
  },
});

/** A deterministic stream of plausible CDRs, in start-time order across one day. */
function makeRows(count: number, firstSeq: number, spanMs: number): CallRecordRow[] {
  const rows: CallRecordRow[] = new Array<CallRecordRow>(count);
  for (let i = 0; i < count; i += 1) {
    const seq = firstSeq + i;
    const mix = Math.imul(seq, 2_654_435_761) >>> 0;
    rows[i] = {
      callId: `${mix.toString(16).padStart(8, '0')}-${seq.toString(16).padStart(12, '0')}`,
      caller: String(2_348_000_000_000 + (mix % CALLERS)),
      callee: String(2_347_000_000_000 + ((mix >>> 3) % 9_000_000)),
      startMs: DAY_START_MS + Math.floor((seq / 20_000_000) * spanMs),
      durationSeconds: mix % 300,
      answered: mix % 5 !== 0,
      direction: 'outbound',
      cause: 16,
      cell: `LAG-${mix % 900}`,
      switchId: 'sw-lagos-1',
      partition: 0,
      streamSeq: seq,
      late: false,
    };
  }
  return rows;
}

interface Measurement {
  rows: number;
  batchRows: number;
  rowsPerSec: number;
  batchMsP50: number;
}

async function measure(
  writer: PostgresBatchWriter,
  total: number,
  batchRows: number,
  firstSeq: number,
): Promise<Measurement> {
  const batchMs: number[] = [];
  let busyMs = 0;
  for (let done = 0; done < total; done += batchRows) {
    const records = makeRows(Math.min(batchRows, total - done), firstSeq + done, 86_000_000);
    const started = performance.now();
    await writer.write({ records, alerts: [], deadLetters: [], offsets: new Map() });
    const elapsed = performance.now() - started;
    batchMs.push(elapsed);
    busyMs += elapsed;
  }
  return {
    rows: total,
    batchRows,
    rowsPerSec: Math.round(total / (busyMs / 1_000)),
    batchMsP50: round1(median(batchMs)),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

async function preload(url: string, count: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  // Server-side generation: the preload should cost the bench machine Postgres time, not Node time.
  await client.query(
    `INSERT INTO call_records (call_id, caller_number, callee_number, start_time, duration_seconds, answered,
       call_direction, termination_cause, location_code, switch_id, stream_partition, stream_seq)
     SELECT md5(g::text), (2348000000000 + (hashint4(g) & 2147483647) % ${CALLERS})::text,
            (2347000000000 + (hashint4(g + 1) & 2147483647) % 9000000)::text,
            $1::timestamptz + (g::double precision / $2) * interval '86000 seconds',
            g % 300, true, 'outbound', 16, 'LAG-1', 'sw-lagos-1', 1, g
       FROM generate_series(1, $2::int) AS g`,
    [new Date(DAY_START_MS).toISOString(), count],
  );
  await client.query('VACUUM ANALYZE call_records');
  await client.end();
  return Math.round(performance.now() - started);
}

interface BenchDatabase {
  variant: string;
  url: string;
  writer: PostgresBatchWriter;
  nextSeq: number;
  runs: Measurement[];
}

async function createDatabase(
  admin: pg.Client,
  adminUrl: string,
  variant: string,
  purpose = 'variant',
): Promise<BenchDatabase> {
  const name = `sentinel_bench_${purpose}_${variant.replaceAll('-', '_')}_${process.pid}`;
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
  await migrate(pool, logger);
  await ensureDailyPartitions(pool, DAY_START_MS, DAY_START_MS);
  for (const sql of VARIANT_SQL[variant] ?? []) await pool.query(sql);
  await pool.end();
  const writer = new PostgresBatchWriter({ connectionString: url.toString(), consumer: 'bench', logger });
  return { variant, url: url.toString(), writer, nextSeq: 1_000_000_000, runs: [] };
}

/**
 * Variants are measured in interleaved rounds (A B C, A B C, ...) so that load from other processes on the
 * shared machine spreads over all of them instead of biasing one; the median round is reported.
 */
async function interleaved(databases: BenchDatabase[], totalRows: number, rounds: number, batchRows: number) {
  for (const database of databases) database.runs = [];
  const perRound = Math.ceil(totalRows / rounds);
  for (let round = 0; round < rounds; round += 1) {
    for (const database of databases) {
      database.runs.push(await measure(database.writer, perRound, batchRows, database.nextSeq));
      database.nextSeq += perRound;
    }
  }
  return databases.map((database) => ({
    variant: database.variant,
    batchRows,
    rowsPerSecMedian: median(database.runs.map((run) => run.rowsPerSec)),
    rowsPerSecRounds: database.runs.map((run) => run.rowsPerSec),
    batchMsP50: median(database.runs.map((run) => run.batchMsP50)),
  }));
}

function measureEncoder(rows: number): { rowsPerSec: number; bytesPerRow: number } {
  const records = makeRows(rows, 1, 86_000_000);
  // Encoding is what the worker's thread pays per row before Postgres sees anything.
  const rates: number[] = [];
  let bytes = 0;
  for (let round = 0; round < 5; round += 1) {
    bytes = 0;
    const started = performance.now();
    for (const chunk of encodeChunks(records, encodeCallRecord)) bytes += chunk.length;
    rates.push(rows / ((performance.now() - started) / 1_000));
  }
  return { rowsPerSec: Math.round(median(rates)), bytesPerRow: Math.round(bytes / rows) };
}

async function main(): Promise<void> {
  const rows = Number(args.rows);
  const preloadRows = Number(args.preload);
  const batchRows = Number(args.batch);
  const rounds = Number(args.rounds);
  let adminUrl = args.url ?? process.env.BENCH_DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  if (adminUrl === undefined || adminUrl === '') {
    const root = mkdtempSync(join(tmpdir(), 'sentinel-bench-pg-'));
    chmodSync(root, 0o755);
    const server = await startEmbeddedPostgres({ dataDir: join(root, 'pg'), port: 0, persistent: false });
    adminUrl = server.adminUrl;
    stop = async () => {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    };
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const databases: BenchDatabase[] = [];
  try {
    const version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]
      ?.server_version;
    for (const variant of args.variants.split(',').filter((v) => v !== '')) {
      databases.push(await createDatabase(admin, adminUrl, variant));
    }
    const sizes = args.batches
      .split(',')
      .filter((v) => v !== '')
      .map(Number);
    const batchSizes = [];
    if (sizes.length > 0 && databases[0] !== undefined) {
      // Batch sizes on a database of their own with the first variant's schema, interleaved by size.
      const target = await createDatabase(admin, adminUrl, databases[0].variant, 'sizes');
      databases.push(target);
      const runs = new Map<number, number[]>(sizes.map((size) => [size, []]));
      for (let round = 0; round < rounds; round += 1) {
        for (const size of sizes) {
          const run = await measure(target.writer, Math.ceil(rows / rounds), size, target.nextSeq);
          target.nextSeq += run.rows;
          runs.get(size)?.push(run.rowsPerSec, run.batchMsP50);
        }
      }
      for (const [size, values] of runs) {
        const rates = values.filter((_v, i) => i % 2 === 0);
        const latencies = values.filter((_v, i) => i % 2 === 1);
        batchSizes.push({ batchRows: size, rowsPerSecMedian: median(rates), batchMsP50: median(latencies) });
      }
    }
    const variantDatabases = databases.filter((database) => !database.url.includes('_sizes_'));
    const empty = await interleaved(variantDatabases, rows, rounds, batchRows);
    const preloads = [];
    if (preloadRows > 0) {
      for (const database of variantDatabases) {
        preloads.push({
          variant: database.variant,
          rows: preloadRows,
          ms: await preload(database.url, preloadRows),
        });
      }
    }
    const afterPreload = preloadRows > 0 ? await interleaved(variantDatabases, rows, rounds, batchRows) : [];
    const output = {
      postgres: version,
      node: process.version,
      cpus: availableParallelism(),
      loadAverageAtEnd: loadavg().map(round1),
      rowsPerPhase: rows,
      rounds,
      encoderOnly: measureEncoder(200_000),
      batchSizes,
      empty,
      preloads,
      afterPreload,
    };
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  } finally {
    for (const database of databases) await database.writer.close();
    for (const database of databases) {
      await admin.query(`DROP DATABASE IF EXISTS ${new URL(database.url).pathname.slice(1)} WITH (FORCE)`);
    }
    await admin.end();
    await stop?.();
  }
}

await main();
