/** Real WebSocket and SSE clients for the live feed tests. */
import { request } from 'node:http';
import { WebSocket } from 'ws';

export interface FeedMessage {
  type: string;
  timestamp?: string;
  message?: string;
  data?: Record<string, unknown>;
}

/** A WebSocket client that records every message it receives. */
export class RecordingWsClient {
  readonly messages: FeedMessage[] = [];
  closeCode: number | undefined;
  readonly closed: Promise<number>;
  readonly ws: WebSocket;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('message', (raw) => this.messages.push(JSON.parse(String(raw)) as FeedMessage));
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
    this.ws.on('error', () => undefined);
  }

  async opened(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return;
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_request, response) =>
        reject(new Error(`unexpected response ${response.statusCode ?? 0}`)),
      );
      this.ws.once('error', reject);
    });
  }

  ofType(type: string): FeedMessage[] {
    return this.messages.filter((message) => message.type === type);
  }

  /** Stops reading from the socket, so the server's writes back up (a slow consumer). */
  stall(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  close(): void {
    this.ws.terminate();
  }
}

/** The HTTP status a WebSocket upgrade is refused with. */
export async function refusedUpgradeStatus(
  url: string,
  headers: Record<string, string> = {},
): Promise<number> {
  const ws = new WebSocket(url, { headers });
  return await new Promise<number>((resolve, reject) => {
    ws.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('upgrade was accepted'));
    });
    ws.once('error', () => undefined);
  });
}

/** An SSE client: parses `event:`/`data:` blocks from a streaming GET. */
export class RecordingSseClient {
  readonly events: { event: string; data: FeedMessage }[] = [];
  status: number | undefined;
  private readonly abort = new AbortController();
  readonly ready: Promise<void>;

  constructor(url: string, headers: Record<string, string>) {
    this.ready = new Promise((resolve, reject) => {
      const req = request(url, { headers, signal: this.abort.signal }, (response) => {
        this.status = response.statusCode;
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event !== undefined && data !== undefined)
              this.events.push({ event, data: JSON.parse(data) as FeedMessage });
          }
        });
        response.on('error', () => undefined);
        resolve();
      });
      req.on('error', (error) => {
        if (!this.abort.signal.aborted) reject(error);
      });
      req.end();
    });
  }

  close(): void {
    this.abort.abort();
  }
}
