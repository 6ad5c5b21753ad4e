/**
 * The Server-Sent Events live feed, for clients that only speak HTTP (curl, EventSource). Same messages as
 * the WebSocket feed, as `event: <type>` / `data: <json>` pairs, with the same bounded per-client queue:
 * a client that stops reading is disconnected once `clientQueueMax` messages wait behind its socket.
 */
import type { ServerResponse } from 'node:http';
import type { Severity } from '../../windows/index.js';
import type { ApiApp, ApiContext } from '../api-context.js';
import type { FeedSubscriber } from './alert-feed-hub.js';
import { BoundedSender } from './bounded-sender.js';
import { connectedMessage, heartbeatMessage, severitySet } from './feed-messages.js';
import { FeedQuerySchema } from '../schemas/common-schemas.js';

class SseFeedClient implements FeedSubscriber {
  private readonly sender: BoundedSender;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly response: ServerResponse,
    readonly severities: ReadonlySet<Severity> | undefined,
    queueMax: number,
    heartbeatMs: number,
    onSlow: () => void,
  ) {
    this.sender = new BoundedSender(
      {
        bufferedBytes: () => response.writableLength,
        send: (chunk, written) => {
          response.write(chunk, () => written());
        },
      },
      queueMax,
      () => {
        onSlow();
        response.destroy();
      },
    );
    this.heartbeat = setTimeout(() => this.beat(), heartbeatMs);
    this.heartbeat.unref();
  }

  deliver(message: string): void {
    this.write('alert', message);
  }

  write(event: string, json: string): void {
    if (this.response.destroyed || this.response.writableEnded) return;
    this.sender.push(`event: ${event}\ndata: ${json}\n\n`);
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
        () =>
          log.warn(
            { queueMax: ctx.config.websocket.clientQueueMax },
            'live feed client too slow; disconnected',
          ),
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
