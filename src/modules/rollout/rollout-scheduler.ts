import { Injectable, OnModuleInit } from '@nestjs/common';
import { Jobs } from '../../platform/jobs/jobs.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { RolloutReconciler } from './rollout-reconciler.service.js';
import { RolloutService, type DueSchedulesRun } from './rollout.service.js';

const EVERY_SECONDS = 5;

/**
 * Runs scheduled promotions when they fall due: a periodic job (ADR 0026)
 * every few seconds, run by one instance, claims due schedules (their plans
 * locked first, then the row FOR UPDATE SKIP LOCKED and read again, so each
 * runs once even if two runs overlap), promotes if the gates pass or records
 * the skip and emails the rollout managers, then reconciles Unleash.
 */
@Injectable()
export class RolloutScheduler implements OnModuleInit {
  constructor(
    private readonly rollout: RolloutService,
    private readonly reconciler: RolloutReconciler,
    private readonly jobs: Jobs,
    private readonly logger: JsonLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.jobs.every({
      name: 'rollout-schedules',
      everySeconds: EVERY_SECONDS,
      run: () => this.tick(),
    });
  }

  /** Runs what is due now; returns what ran, was skipped or failed (each failure logged). */
  async tick(): Promise<DueSchedulesRun> {
    try {
      const outcome = await this.rollout.runDueSchedules();
      for (const failed of outcome.failed)
        this.logger.event('warn', 'rollout.schedule_failed', failed);
      if (outcome.promoted.length + outcome.skipped.length > 0) {
        this.logger.event('info', 'rollout.schedules_ran', {
          promoted: outcome.promoted,
          skipped: outcome.skipped,
        });
        if (outcome.promoted.length > 0) await this.reconciler.syncNow();
      }
      return outcome;
    } catch (error) {
      this.logger.event('warn', 'rollout.schedules_failed', { error: (error as Error).message });
      return { promoted: [], skipped: [], failed: [] };
    }
  }
}
