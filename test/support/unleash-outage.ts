import net from 'node:net';
import { findFreePort } from '../../src/platform/embedded/free-port.js';

/**
 * A TCP relay in front of the suite's shared Unleash that a test can cut and
 * restore: while cut, nothing listens on its port (a connection is refused, as
 * when Unleash is stopped) and every open connection is dropped. The portals
 * that use `url` lose Unleash (client and Admin API alike) while the other test
 * files' Unleash keeps running.
 */
export class UnleashOutage {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly target: URL,
    private readonly port: number,
  ) {}

  static async start(unleashUrl: string): Promise<UnleashOutage> {
    const relay = new UnleashOutage(new URL(unleashUrl), await findFreePort());
    await relay.restore();
    return relay;
  }

  /** Unleash's URL through the relay (same path). */
  get url(): string {
    const url = new URL(this.target.href);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.href.replace(/\/$/, '');
  }

  /** Unleash "stops": the port closes and open connections drop. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Unleash "is back": the port listens again and relays. */
  async restore(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(this.target.port), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  close(): Promise<void> {
    return this.cut();
  }
}
