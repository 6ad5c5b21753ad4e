/**
 * The WebSocket live feed (`/ws/alerts`). Each client sends through a BoundedSender: when more than
 * `clientQueueMax` messages are waiting behind a backed-up socket the client is cut off (terminate, not
 * close: a close frame would wait behind the backlog) and the others carry on. A heartbeat goes out after
 * `heartbeatMs` without any message, so idle proxies keep the connection and clients notice a dead server.
 */
import type { WebSocket } from 'ws';
import type { FastifyRequest } from 'fastify';
import type { Severity } from '../../windows/index.js';
import type { ApiApp, ApiContext } from '../api-context.js';
import { connectedMessage, heartbeatMessage, severitySet } from './feed-messages.js';
import type { FeedSubscriber } from './alert-feed-hub.js';
import { BoundedSender } from './bounded-sender.js';
import { FeedQuerySchema } from '../schemas/common-schemas.js';

const OPEN = 1;

class WsFeedClient implements FeedSubscriber {
  private readonly sender: BoundedSender;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly socket: WebSocket,
    readonly severities: ReadonlySet<Severity> | undefined,
    queueMax: number,
    heartbeatMs: number,
    onSlow: () => void,
  ) {
    this.sender = new BoundedSender(
      {
        bufferedBytes: () => socket.bufferedAmount,
        send: (message, written) => socket.send(message, written),
      },
      queueMax,
      () => {
        onSlow();
        socket.terminate();
      },
    );
    this.heartbeat = setTimeout(() => this.beat(), heartbeatMs);
    this.heartbeat.unref();
  }

  deliver(message: string): void {
    if (this.socket.readyState !== OPEN) return;
    this.sender.push(message);
    this.heartbeat.refresh();
  }

  private beat(): void {
    this.deliver(heartbeatMessage());
  }

  close(reason: string): void {
    clearTimeout(this.heartbeat);
    if (this.socket.readyState === OPEN) this.socket.close(1001, reason);
  }

  stop(): void {
    clearTimeout(this.heartbeat);
  }
}

/** Registers the WebSocket feed at `path` on `app` (a prefix-less or prefixed scope). */
export function registerWsFeed(app: ApiApp, ctx: ApiContext, path: string): void {
  const active = ctx.metrics.gauge('sentinel_active_websocket_connections');
  const total = ctx.metrics.counter('sentinel_websocket_connections_total');
  app.get(
    path,
    {
      websocket: true,
      config: { allowQueryToken: true },
      schema: {
        summary: 'Live alert feed (WebSocket)',
        description:
          'Messages: `connected` once, `alert` per alert (`data` holds the alert), `heartbeat` after ' +
          '`WS_HEARTBEAT_INTERVAL` idle. Send `{"type":"ping"}` to get `{"type":"pong"}`.',
        tags: ['feed'],
        querystring: FeedQuerySchema,
      },
    },
    (socket: WebSocket, request: FastifyRequest) => {
      const query = request.query as { severity?: string };
      const log = request.log;
      const client = new WsFeedClient(
        socket,
        severitySet(query.severity),
        ctx.config.websocket.clientQueueMax,
        ctx.config.websocket.heartbeatMs,
        () =>
          log.warn(
            { queueMax: ctx.config.websocket.clientQueueMax },
            'live feed client too slow; disconnected',
          ),
      );
      const remove = ctx.feed.add(client);
      active.inc({ transport: 'websocket' });
      total.inc({ transport: 'websocket' });
      log.info({ principal: request.principal?.name }, 'live feed client connected (websocket)');
      socket.on('message', (raw) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(String(raw));
        } catch {
          return;
        }
        if (typeof parsed === 'object' && parsed !== null && (parsed as { type?: unknown }).type === 'ping') {
          client.deliver(JSON.stringify({ type: 'pong', timestamp: new Date().toISOString() }));
        }
      });
      socket.on('error', (error) => log.debug({ err: error }, 'live feed socket error'));
      socket.once('close', () => {
        client.stop();
        remove();
        active.dec({ transport: 'websocket' });
        log.info('live feed client disconnected (websocket)');
      });
      client.deliver(connectedMessage());
    },
  );
}
