import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../platform/config/app-config.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { ScanService } from './scan.service.js';

/**
 * The one periodic caller of ScanService.scanPending: every
 * CLAMAV_RESCAN_INTERVAL_MS (0: never), one run at a time per instance.
 * Instances share the work safely (rows are taken with SKIP LOCKED). When
 * periodic work moves onto the job queue, this class is what gets replaced.
 */
@Injectable()
export class PendingScanTimer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly scans: ScanService,
    private readonly config: AppConfig,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap() {
    const interval = this.config.CLAMAV_RESCAN_INTERVAL_MS;
    if (interval === 0 || !this.config.CLAMAV_URL) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.scans
        .scanPending()
        .then(() => undefined)
        .catch((error: Error) =>
          this.logger.event('warn', 'attachment.rescan_failed', { error: error.message }),
        )
        .finally(() => (this.running = undefined));
    }, interval);
    this.timer.unref();
  }

  async beforeApplicationShutdown() {
    clearInterval(this.timer);
    await this.running;
  }
}
