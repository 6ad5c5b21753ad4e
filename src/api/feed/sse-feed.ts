/**
 * The Server-Sent Events live feed, for clients that only speak HTTP (curl, EventSource). Same messages as
 * the WebSocket feed, as `event: <type>` / `data: <json>` pairs. The bound works on the response stream:
 * once `write` reports a full buffer, further messages count against `clientQueueMax` until `drain`; past
 * it the connection is destroyed and the other clients carry on.
 */
import type { ServerResponse } from 'node:http';
import type { Severity } from '../../windows/index.js';
import type { ApiApp, ApiContext } from '../api-context.js';
import type { FeedSubscriber } from './alert-feed-hub.js';
import { connectedMessage, heartbeatMessage, severitySet } from './feed-messages.js';
import { FeedQuerySchema } from '../schemas/common-schemas.js';

class SseFeedClient implements FeedSubscriber {
  private queuedBeyondBuffer = 0;
  private waitingForDrain = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly response: ServerResponse,
    readonly severities: ReadonlySet<Severity> | undefined,
    private readonly queueMax: number,
    heartbeatMs: number,
    private readonly onSlow: () => void,
  ) {
    this.heartbeat = setTimeout(() => this.beat(), heartbeatMs);
    this.heartbeat.unref();
  }

  deliver(message: string): void {
    this.write('alert', message);
  }

  write(event: string, json: string): void {
    if (this.response.destroyed || this.response.writableEnded) return;
    if (this.waitingForDrain) {
      this.queuedBeyondBuffer++;
      if (this.queuedBeyondBuffer > this.queueMax) {
        this.onSlow();
        this.response.destroy();
        return;
      }
    }
    const flushed = this.response.write(`event: ${event}\ndata: ${json}\n\n`);
    if (!flushed && !this.waitingForDrain) {
      this.waitingForDrain = true;
      this.response.once('drain', () => {
        this.waitingForDrain = false;
        this.queuedBeyondBuffer = 0;
      });
    }
    this.heartbeat.refresh();
  }

  private beat(): void {
    this.write('heartbeat', heartbeatMessage());
  }

  close(): void {
    clearTimeout(this.heartbeat);
    if (!this.response.writableEnded) this.response.end();
  }

  stop(): void {
    clearTimeout(this.heartbeat);
  }
}

export function registerSseFeed(app: ApiApp, ctx: ApiContext, path: string): void {
  const active = ctx.metrics.gauge('sentinel_active_websocket_connections');
  const total = ctx.metrics.counter('sentinel_websocket_connections_total');
  app.get(
    path,
    {
      config: { allowQueryToken: true },
      schema: {
        summary: 'Live alert feed (Server-Sent Events)',
        description:
          'text/event-stream with events `connected`, `alert` and `heartbeat`; each `data` is the same JSON ' +
          'as the WebSocket feed. Filter with `severity=HIGH,CRITICAL`.',
        tags: ['feed'],
        querystring: FeedQuerySchema,
      },
    },
    (request, reply) => {
      const log = request.log;
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // nginx would otherwise buffer the stream and deliver alerts late.
        'x-accel-buffering': 'no',
        'x-request-id': String(request.id),
      });
      response.write('retry: 5000\n\n');
      const client = new SseFeedClient(
        response,
        severitySet(request.query.severity),
        ctx.config.websocket.clientQueueMax,
        ctx.config.websocket.heartbeatMs,
        () => log.warn({ queueMax: ctx.config.websocket.clientQueueMax }, 'live feed client too slow; disconnected'),
      );
      const remove = ctx.feed.add(client);
      active.inc({ transport: 'sse' });
      total.inc({ transport: 'sse' });
      log.info({ principal: request.principal?.name }, 'live feed client connected (sse)');
      response.once('close', () => {
        client.stop();
        remove();
        active.dec({ transport: 'sse' });
        log.info('live feed client disconnected (sse)');
      });
      client.write('connected', connectedMessage());
    },
  );
}
