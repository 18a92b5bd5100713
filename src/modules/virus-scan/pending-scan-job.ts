import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../platform/config/app-config.js';
import { Jobs } from '../../platform/jobs/jobs.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { ScanService } from './scan.service.js';

/**
 * The one periodic caller of ScanService.scanPending: the periodic job
 * `virus-rescan` (ADR 0026) every CLAMAV_RESCAN_INTERVAL_MS, run by one
 * instance per period; none while scanning is off or the interval is 0.
 * Two runs that overlap still share the work safely (rows are taken with
 * SKIP LOCKED).
 */
@Injectable()
export class PendingScanJob implements OnModuleInit {
  constructor(
    private readonly scans: ScanService,
    private readonly jobs: Jobs,
    private readonly config: AppConfig,
    private readonly logger: JsonLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    const interval = this.config.CLAMAV_RESCAN_INTERVAL_MS;
    if (interval === 0 || !this.config.CLAMAV_URL) return;
    await this.jobs.every({
      name: 'virus-rescan',
      everySeconds: Math.max(1, Math.round(interval / 1000)),
      run: () => this.run(),
    });
  }

  /** Rescans what waits; a failure is logged and the next period tries again. */
  async run(): Promise<void> {
    try {
      await this.scans.scanPending();
    } catch (error) {
      this.logger.event('warn', 'attachment.rescan_failed', { error: (error as Error).message });
    }
  }
}
