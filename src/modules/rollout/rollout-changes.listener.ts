import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import pg from 'pg';
import { AppConfig } from '../../platform/config/app-config.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { PlanFence } from './plan-fence.js';
import {
  parseRolloutChange,
  ROLLOUT_CHANGED_CHANNEL,
  type RolloutChange,
} from './rollout-changes.js';
import { RolloutReconciler } from './rollout-reconciler.service.js';

/** Reconnection delays: 250 ms, doubling, at most 10 s. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 10_000;

/**
 * The one LISTEN connection of an instance (ROLLOUT_CHANGED_CHANNEL): each
 * committed rollout change, made on any instance, reloads the plan fence and
 * wakes the reconciler. When the connection is lost (PostgreSQL restarted, a
 * network cut), it reconnects with bounded backoff and then has both look at
 * everything, since changes may have been committed while nobody listened.
 */
@Injectable()
export class RolloutChangesListener implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly logger: JsonLogger,
    private readonly fence: PlanFence,
    private readonly reconciler: RolloutReconciler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.connect();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  /** Whether the instance is listening now (for tests and diagnostics). */
  listening(): boolean {
    return this.client !== undefined;
  }

  private changed(change: RolloutChange): void {
    void this.fence.reload();
    this.reconciler.requestSync(change);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.config.DATABASE_URL });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      if (this.failures === 0)
        this.logger.event('warn', 'rollout.listener_lost', { error: error?.message });
      this.reconnectLater();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => this.changed(parseRolloutChange(message.payload)));
    try {
      await client.connect();
      await client.query(`LISTEN ${ROLLOUT_CHANGED_CHANNEL}`);
    } catch (error) {
      onLost(error as Error);
      return;
    }
    if (this.stopped || lost) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.failures > 0) {
      this.logger.event('info', 'rollout.listener_reconnected', { attempts: this.failures });
      this.changed({});
    }
    this.failures = 0;
  }

  private reconnectLater(): void {
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(this.failures, 6));
    this.failures++;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), delay);
    this.retry.unref();
  }
}
