import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module.js';
import { FeedbackModule } from '../feedback/feedback.module.js';
import { OwnershipModule } from '../ownership/ownership.module.js';
import { PendingScanJob } from './pending-scan-job.js';
import { ScanService } from './scan.service.js';

/**
 * The rescan of files clamd could not scan when they arrived (ADR 0028). The
 * scanner itself (VirusScanner) is platform: every upload calls it.
 */
@Module({
  imports: [ApplicationsModule, FeedbackModule, OwnershipModule],
  providers: [ScanService, PendingScanJob],
  exports: [ScanService],
})
export class VirusScanModule {}
