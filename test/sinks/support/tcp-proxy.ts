/**
 * A TCP forwarder in front of the test Postgres that can be switched off: the way to make the real server
 * unreachable (connections cut, new ones refused) and reachable again, without mocking it.
 */
import net from 'node:net';

export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private up = true;
  /** Connections accepted while up, for tests that check the client stopped trying. */
  connectionsAccepted = 0;
  connectionsRefused = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
    const proxy = new TcpProxy(server, address.port);
    server.on('connection', (client) => proxy.accept(client, targetHost, targetPort));
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string {
    const rewritten = new URL(url);
    rewritten.hostname = '127.0.0.1';
    rewritten.port = String(this.port);
    return rewritten.toString();
  }

  /** Down: every open connection is cut and new ones are closed at once. */
  setUp(up: boolean): void {
    this.up = up;
    if (!up) for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.setUp(false);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket, host: string, port: number): void {
    if (!this.up) {
      this.connectionsRefused += 1;
      client.destroy();
      return;
    }
    this.connectionsAccepted += 1;
    const upstream = net.connect(port, host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
