import { StaffExportReadModel } from './staff-export.read-model.js';
import { StaffRetention } from './staff-retention.js';
import {
  SecondFactorController,
  SecondFactorPage,
} from './second-factor/second-factor.controller.js';
import { SecondFactorService } from './second-factor/second-factor.service.js';
import { StaffDirectoryClient } from './directory/staff-directory.client.js';
import { StaffDirectoryService } from './directory/staff-directory.service.js';
import { StaffSignInController } from './directory/staff-sign-in.controller.js';
import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { StaffAuditController } from './staff-audit.controller.js';
import { StaffAuditReadModel } from './staff-audit.read-model.js';
import { StaffAuditPresenter } from './staff-audit.presenter.js';
import { StaffAuditService } from './staff-audit.service.js';
import { StaffEmailsController } from './staff-emails.controller.js';
import { StaffEmailsPresenter } from './staff-emails.presenter.js';
import { StaffEmailsService } from './staff-emails.service.js';
import { StaffRolesGuard } from './staff-roles.guard.js';
import { StaffController } from './staff.controller.js';
import { StaffReadModel } from './staff.read-model.js';
import { StaffService } from './staff.service.js';
import { StaffPeoplePage, StaffPersonPage, StaffPresenter } from './staff.presenter.js';

/**
 * The city's staff: roles, the staff area, the audit log, failed emails. Whether the person
 * on a page is staff (for the navigation) comes with their identity, loaded once
 * per request by the accounts module's IdentityReadModel.
 */
@Module({
  imports: [AuditModule, AccountsModule, NotificationsModule],
  controllers: [
    StaffController,
    StaffAuditController,
    StaffEmailsController,
    StaffSignInController,
    SecondFactorController,
  ],
  providers: [
    StaffService,
    StaffReadModel,
    StaffAuditReadModel,
    StaffRolesGuard,
    StaffPresenter,
    StaffPeoplePage,
    StaffPersonPage,
    StaffAuditService,
    StaffAuditPresenter,
    StaffEmailsService,
    StaffEmailsPresenter,
    StaffDirectoryClient,
    SecondFactorService,
    SecondFactorPage,
    StaffRetention,
    StaffExportReadModel,
    StaffDirectoryService,
  ],
  exports: [StaffService, StaffReadModel, StaffRolesGuard, StaffRetention, StaffExportReadModel],
})
export class StaffModule {}
