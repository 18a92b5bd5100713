import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module.js';
import { ApplicationsModule } from '../applications/applications.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { FeedbackModule } from '../feedback/feedback.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { RetentionJob } from './retention-job.js';
import { RetentionService } from './retention.service.js';

/**
 * The retention schedule of personal data (issue 18; docs/adr/0047): owns no
 * table; `RetentionService` asks each owning module to purge its own, and
 * `RetentionJob` runs it as the periodic job `privacy-retention`.
 */
@Module({
  imports: [
    AuditModule,
    NotificationsModule,
    AccountsModule,
    ApplicationsModule,
    FeedbackModule,
    StaffModule,
  ],
  providers: [RetentionService, RetentionJob],
  exports: [RetentionService],
})
export class PrivacyModule {}
