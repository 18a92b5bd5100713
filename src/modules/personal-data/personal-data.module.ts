import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module.js';
import { ApplicationsModule } from '../applications/applications.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { FeedbackModule } from '../feedback/feedback.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { OwnershipModule } from '../ownership/ownership.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { SatisfactionModule } from '../satisfaction/satisfaction.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { PersonalDataController } from './personal-data.controller.js';
import { PersonalDataPage } from './personal-data.pages.js';
import { PersonalDataService } from './personal-data.service.js';

/**
 * A person's download of everything Guichet holds about them (ADR 0048): it
 * imports the modules that hold some and asks each its export read model. No
 * module imports this one.
 */
@Module({
  imports: [
    AuditModule,
    NotificationsModule,
    AccountsModule,
    OrganizationsModule,
    ApplicationsModule,
    FeedbackModule,
    RolloutModule,
    OwnershipModule,
    SatisfactionModule,
    StaffModule,
  ],
  controllers: [PersonalDataController],
  providers: [PersonalDataService, PersonalDataPage],
})
export class PersonalDataModule {}
