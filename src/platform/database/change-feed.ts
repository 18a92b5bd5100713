import pg from 'pg';
import type { JsonLogger } from '../logging/json-logger.js';
import { RetryTimer } from './retry-timer.js';

/**
 * The channels the database announces changes on: the triggers' (migration
 * 1765400000040, ADR 0037), and those a module announces itself with NOTIFY
 * (the rollout's `guichet_rollout_changed`, ADR 0033).
 */
export type ChangeChannel = 'session_changed' | 'identity_changed' | 'content_changed' | string;

const CHANNELS: readonly ChangeChannel[] = [
  'session_changed',
  'identity_changed',
  'content_changed',
];
/** How the feed's connection shows in pg_stat_activity. */
export const CHANGE_FEED_APPLICATION = 'guichet-change-feed';
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

/**
 * The one PostgreSQL connection per instance that LISTENs for the changes that
 * take away what an instance keeps in memory (a session signed out, a role
 * removed, an account closed, a rollout plan changed). Triggers send them in the transaction that
 * makes the change, so every instance hears them once it commits.
 *
 * When the connection drops (a database restart), it reconnects with a
 * backoff from 100 ms to 5 s, for as long as the portal runs; in between
 * `listening` is false and the caches built on it read the database every
 * time, and on reconnecting they are emptied (what was announced meanwhile
 * is lost).
 */
export class ChangeFeed {
  private client?: pg.Client;
  private readonly retry = new RetryTimer(FIRST_RETRY_MS, MAX_RETRY_MS);
  private closed = false;
  private connected = false;
  private readonly handlers = new Map<ChangeChannel, Set<(payload: string) => void>>();
  private readonly resets = new Set<() => void>();

  private constructor(
    private readonly connectionString: string,
    private readonly logger?: JsonLogger,
  ) {}

  /** Connects (or keeps trying in the background: the portal serves meanwhile, uncached). */
  static async start(connectionString: string, logger?: JsonLogger): Promise<ChangeFeed> {
    const feed = new ChangeFeed(connectionString, logger);
    await feed.connect();
    return feed;
  }

  /** Whether changes are being heard now: a cache may only serve what it holds while true. */
  get listening(): boolean {
    return this.connected && !this.closed;
  }

  on(channel: ChangeChannel, handler: (payload: string) => void): void {
    const set = this.handlers.get(channel) ?? new Set();
    set.add(handler);
    this.handlers.set(channel, set);
  }

  /**
   * Hears another channel too (a module's own NOTIFY), from now on and after
   * every reconnection; resolves once PostgreSQL listens on it (or at once
   * when not connected: the next connection listens on it).
   */
  async listen(channel: ChangeChannel, handler: (payload: string) => void): Promise<void> {
    if (!/^[a-z_]{1,63}$/.test(channel)) throw new Error(`Not a channel name: ${channel}`);
    const known = this.handlers.has(channel) || CHANNELS.includes(channel);
    this.on(channel, handler);
    if (!known && this.client) await this.client.query(`LISTEN ${channel}`).catch(() => undefined);
  }

  /** Called whenever listening starts or stops: what was announced in between is unknown. */
  onReset(handler: () => void): void {
    this.resets.add(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.retry.stop();
    this.setConnected(false);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: CHANGE_FEED_APPLICATION,
      // An idle connection that a firewall drops silently is noticed and reopened.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      const handlers = this.handlers.get(message.channel as ChangeChannel);
      for (const handler of handlers ?? []) handler(message.payload ?? '');
    });
    try {
      await client.connect();
      for (const channel of new Set([...CHANNELS, ...this.handlers.keys()]))
        await client.query(`LISTEN ${channel}`);
    } catch (error) {
      this.lost(client, error as Error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retry.succeeded();
    this.setConnected(true);
    this.logger?.event('info', 'changes.listening');
  }

  private lost(client: pg.Client, error?: Error): void {
    if (this.closed) return;
    if (this.client !== undefined && this.client !== client) return;
    this.client = undefined;
    // This connection is done with: nothing it says later may start another.
    client.removeAllListeners('end');
    client.removeAllListeners('error');
    client.on('error', () => undefined);
    client.end().catch(() => undefined);
    this.setConnected(false);
    if (this.retry.pending) return;
    this.logger?.event('warn', 'changes.listener_lost', {
      error: error?.message ?? 'connection ended',
      retryInMs: this.retry.nextDelayMs,
    });
    this.retry.schedule(() => void this.connect());
  }

  private setConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    for (const reset of this.resets) reset();
  }
}
