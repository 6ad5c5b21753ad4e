/**
 * The COPY-alone ceiling of `bench:pipeline`: the backlog's rows, encoded ahead of the clock, COPYed into a
 * fresh database migrated with the engine's `migrate()`. The consume + COPY ceiling is bare-drain.ts.
 */
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { perSecond } from './bench-stats.js';
import type { CpuUsage } from './process-usage.js';

const COPY_SQL =
  'COPY call_records (call_id, caller_number, callee_number, start_time, duration_seconds, answered, ' +
  'call_direction, termination_cause, location_code, imsi, imei, switch_id, trunk_in, trunk_out, ' +
  'stream_partition, stream_seq, late) FROM STDIN';

export interface CeilingResult {
  rows: number;
  elapsedMs: number;
  perSecond: number;
  /** Filled in by the caller, which owns the process list. */
  cpu?: CpuUsage;
  rowsPerCpuSecond?: number | null;
}

const COPY_SPECIAL = /[\\\t\n\r]/g;
const text = (value: unknown): string => {
  if (value === undefined || value === null) return '\\N';
  const s = String(value);
  return s.replace(COPY_SPECIAL, (c) =>
    c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\\\',
  );
};
const digits = (value: unknown): string =>
  text(typeof value === 'string' && value.startsWith('+') ? value.slice(1) : value);

/** A parsed CDR as one line of COPY text; the partition comes from the subject. */
export function copyLine(cdr: Record<string, unknown>, partition: number, seq: number): string {
  const start = typeof cdr.start === 'number' ? new Date(cdr.start).toISOString() : text(cdr.start);
  return (
    `${text(cdr.call_id)}\t${digits(cdr.caller)}\t${digits(cdr.callee)}\t${start}\t${text(cdr.duration)}\t` +
    `${cdr.answered === undefined ? '\\N' : cdr.answered ? 't' : 'f'}\t${text(cdr.direction)}\t${text(cdr.cause)}\t` +
    `${text(cdr.cell)}\t${text(cdr.imsi)}\t${text(cdr.imei)}\t${text(cdr.switch)}\t${text(cdr.trunk_in)}\t` +
    `${text(cdr.trunk_out)}\t${partition}\t${seq}\tf\n`
  );
}

/** One transaction: COPY the chunks, commit. */
async function copyBatch(client: pg.ClientBase, chunks: readonly Buffer[]): Promise<void> {
  await client.query('BEGIN');
  const stream = client.query(copyFrom(COPY_SQL));
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
    let at = 0;
    const pump = (): void => {
      while (at < chunks.length) {
        if (!stream.write(chunks[at++])) {
          stream.once('drain', pump);
          return;
        }
      }
      stream.end();
    };
    pump();
  });
  await client.query('COMMIT');
}

/** Up to `concurrency` COPY transactions in flight, each on its own connection. */
class CopyLanes {
  private readonly clients: pg.Client[] = [];
  private readonly idle: pg.Client[] = [];
  private readonly waiting: ((client: pg.Client) => void)[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  private constructor() {}

  static async open(url: string, concurrency: number): Promise<CopyLanes> {
    const lanes = new CopyLanes();
    for (let k = 0; k < concurrency; k++) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      lanes.clients.push(client);
      lanes.idle.push(client);
    }
    return lanes;
  }

  /** Resolves once the batch is handed to a free lane; `onCommitted` runs after its commit. */
  async submit(chunks: Buffer[], onCommitted: () => void): Promise<void> {
    const client = this.idle.pop() ?? (await new Promise<pg.Client>((resolve) => this.waiting.push(resolve)));
    const work = copyBatch(client, chunks).then(() => {
      onCommitted();
      const next = this.waiting.shift();
      if (next) next(client);
      else this.idle.push(client);
    });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    await this.drain();
    await Promise.all(this.clients.map((client) => client.end()));
  }
}

/** COPY of pre-encoded batches (`batches[k]` is one transaction's chunks) into `url`. */
export async function measureCopy(
  url: string,
  batches: Buffer[][],
  concurrency: number,
): Promise<CeilingResult> {
  const lanes = await CopyLanes.open(url, concurrency);
  let rows = 0;
  const lineCount = (chunks: Buffer[]): number => chunks.reduce((n, chunk) => n + countLines(chunk), 0);
  const started = performance.now();
  for (const chunks of batches) {
    const n = lineCount(chunks);
    await lanes.submit(chunks, () => (rows += n));
  }
  await lanes.drain();
  const elapsedMs = performance.now() - started;
  await lanes.close();
  return { rows, elapsedMs: Math.round(elapsedMs), perSecond: perSecond(rows, elapsedMs) };
}

function countLines(chunk: Buffer): number {
  let n = 0;
  for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) n++;
  return n;
}
