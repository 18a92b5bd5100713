import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { RolloutReconciler } from './rollout-reconciler.service.js';
import { RolloutService } from './rollout.service.js';

const POLL_MS = 5000;

/**
 * Runs scheduled promotions when they fall due: every few seconds each
 * instance claims due schedules (FOR UPDATE SKIP LOCKED, so one runs each),
 * promotes if the gates pass or records the skip and emails the rollout
 * managers, then reconciles Unleash.
 */
@Injectable()
export class RolloutScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly rollout: RolloutService,
    private readonly reconciler: RolloutReconciler,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap() {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.tick()
        .then(() => undefined)
        .finally(() => (this.running = undefined));
    }, POLL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown() {
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs what is due now; returns the flags promoted and skipped. */
  async tick(): Promise<{ promoted: string[]; skipped: string[] }> {
    try {
      const outcome = await this.rollout.runDueSchedules();
      if (outcome.promoted.length + outcome.skipped.length > 0) {
        this.logger.event('info', 'rollout.schedules_ran', outcome);
        if (outcome.promoted.length > 0) await this.reconciler.syncNow();
      }
      return outcome;
    } catch (error) {
      this.logger.event('warn', 'rollout.schedules_failed', { error: (error as Error).message });
      return { promoted: [], skipped: [] };
    }
  }
}
