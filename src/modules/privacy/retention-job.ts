import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../platform/config/app-config.js';
import { Jobs } from '../../platform/jobs/jobs.js';
import { RetentionService } from './retention.service.js';

/** The periodic job's name in pg-boss (docs/operations.md, "Personal data and retention"). */
export const RETENTION_JOB = 'privacy-retention';

/**
 * Runs the retention schedule every RETENTION_INTERVAL_HOURS (24 by default;
 * 0 turns it off): every instance asks for the period's job, pg-boss keeps one
 * per period, one worker runs it (ADR 0026), and RetentionService's advisory
 * lock keeps a second run from overlapping a slow one.
 */
@Injectable()
export class RetentionJob implements OnModuleInit {
  constructor(
    private readonly jobs: Jobs,
    private readonly config: AppConfig,
    private readonly retention: RetentionService,
  ) {}

  async onModuleInit(): Promise<void> {
    const hours = this.config.RETENTION_INTERVAL_HOURS;
    if (hours === 0) return;
    await this.jobs.every({
      name: RETENTION_JOB,
      everySeconds: hours * 3600,
      run: () => this.retention.run(),
    });
  }
}
