/**
 * Rows into a COPY … FROM STDIN stream on the batch's connection (batch-commit.ts): chunks already encoded on
 * arrival first, then rows encoded here, with the stream's backpressure honoured.
 */
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Writable } from 'node:stream';
import { encodeChunks } from './copy-text.js';

/**
 * Feeds chunks into a COPY stream, honouring backpressure: stop when `write()` returns false, go on at
 * 'drain'. Rejects on the stream's first error; if producing a chunk throws, `destroy()` sends CopyFail so
 * the server abandons the COPY.
 */
function writeCopyStream(stream: Writable, chunks: Iterator<Buffer>): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    // Stays attached: a stream that errors again after we settled must not crash the process.
    stream.on('error', (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
    });
    stream.once('finish', () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    const pump = (): void => {
      try {
        for (;;) {
          const next = chunks.next();
          if (next.done === true) {
            stream.end();
            return;
          }
          if (!stream.write(next.value)) {
            stream.once('drain', pump);
            return;
          }
        }
      } catch (error) {
        stream.destroy(error instanceof Error ? error : new Error(String(error)));
      }
    };
    pump();
  });
}

/** COPYs `encoded` chunks, then `rows` encoded with `encode`, into `table`; returns the rows the server stored. */
export async function copyRows<T>(
  client: pg.ClientBase,
  table: string,
  columns: readonly string[],
  rows: readonly T[],
  encode: (row: T) => string,
  encoded: readonly Buffer[] = [],
): Promise<number> {
  if (rows.length === 0 && encoded.length === 0) return 0;
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await writeCopyStream(stream, chain(encoded, encodeChunks(rows, encode)));
  return stream.rowCount;
}

function* chain(first: readonly Buffer[], then: Iterator<Buffer>): Generator<Buffer> {
  yield* first;
  for (let next = then.next(); next.done !== true; next = then.next()) yield next.value;
}
