import type { Server } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { JsonLogger } from '../logging/json-logger.js';

/** How long the requests under way may take to finish once the server stops accepting. */
const IN_FLIGHT_TIMEOUT_MS = 10_000;

/**
 * Taking an instance out of service without losing a request (docs/operations.md,
 * "Stopping an instance"). On SIGTERM the instance first says it is draining
 * (`/readyz` answers 503) while it keeps serving, for `delayMs`: the load
 * balancer's health checks see it and send new requests to the other
 * instances. Every answer meanwhile carries `Connection: close`, so no client
 * or proxy keeps a connection to it. Then the server stops accepting,
 * the requests under way finish (bounded), and only then may the pools close.
 */
export class Drain {
  private draining = false;

  constructor(
    private readonly delayMs: number,
    private readonly logger: JsonLogger,
  ) {}

  get isDraining(): boolean {
    return this.draining;
  }

  /** Express middleware: while draining, each answer closes its connection. */
  readonly middleware = (_req: Request, res: Response, next: NextFunction): void => {
    if (this.draining) res.setHeader('Connection', 'close');
    next();
  };

  /** Says it is draining, waits for the load balancer, then closes the server once its requests are answered. */
  async run(server: Server): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.logger.event('info', 'portal.draining', { delayMs: this.delayMs });
    if (this.delayMs > 0) await sleep(this.delayMs);
    let timer: NodeJS.Timeout | undefined;
    const closed = new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), IN_FLIGHT_TIMEOUT_MS);
    });
    if ((await Promise.race([closed, late])) === 'late') {
      this.logger.event('warn', 'portal.drain_timeout');
      server.closeAllConnections();
    }
    clearTimeout(timer);
    this.logger.event('info', 'portal.drained');
  }
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
