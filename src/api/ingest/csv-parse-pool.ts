/**
 * A small piscina pool for parsing uploads (CSV, or JSON through an input profile). One thread by default: uploads are occasional, and the cores belong
 * to the shard workers. The queue is bounded; a full queue is a 503, not unbounded memory held in uploads.
 */
import { Piscina } from 'piscina';
import { compiledSibling } from '../../shared/index.js';
import { UnavailableError } from '../api-errors.js';
import type { CsvParseResult, CsvParseTask } from './csv-protocol.js';

/** What an upload is read with: everything in the task but the bytes and the clock. */
export type UploadReading = Omit<CsvParseTask, 'csv' | 'nowMs'>;

export interface CsvParsePoolOptions {
  /** @default 1 */
  maxThreads?: number;
  /** Uploads waiting for a thread before new ones are refused. @default 4 */
  maxQueue?: number;
  /** An idle thread exits after this long. @default 60_000 (one minute) */
  idleTimeoutMs?: number;
}

export class CsvParsePool {
  private readonly pool: Piscina<CsvParseTask, CsvParseResult>;
  private readonly maxQueue: number;

  constructor(options: CsvParsePoolOptions = {}) {
    this.maxQueue = options.maxQueue ?? 4;
    this.pool = new Piscina<CsvParseTask, CsvParseResult>({
      filename: compiledSibling(import.meta.url, './csv-worker.js'),
      minThreads: 0,
      maxThreads: options.maxThreads ?? 1,
      idleTimeout: options.idleTimeoutMs ?? 60_000,
    });
  }

  async parse(csv: Buffer, reading: UploadReading): Promise<CsvParseResult> {
    if (this.pool.queueSize >= this.maxQueue) {
      throw new UnavailableError('too many uploads are being parsed; retry shortly');
    }
    // Hand the bytes over without a copy when the Buffer owns its whole ArrayBuffer (large uploads do).
    const owned = csv.byteOffset === 0 && csv.byteLength === csv.buffer.byteLength;
    const bytes = owned ? new Uint8Array(csv.buffer, 0, csv.byteLength) : new Uint8Array(csv);
    const task: CsvParseTask = { ...reading, csv: bytes, nowMs: Date.now() };
    return await this.pool.run(task, { transferList: [bytes.buffer as ArrayBuffer] });
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
