import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { ApplicationsService } from './applications.service.js';

/**
 * Applications to the online services: drafts, submission, lifecycle,
 * attachments, messages; the staff queue; the JSON API for SMEs.
 */
@Module({
  imports: [
    AuditModule,
    NotificationsModule,
    CatalogueModule,
    RolloutModule,
    OrganizationsModule,
    StaffModule,
  ],
  controllers: [],
  providers: [ApplicationsService],
  exports: [ApplicationsService],
})
export class ApplicationsModule {}
