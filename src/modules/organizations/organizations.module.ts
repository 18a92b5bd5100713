import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { InvitationsController } from './invitations.controller.js';
import {
  EditOrganizationPage,
  InvitationFormPage,
  InvitationRefusedPage,
  MembersFormPage,
  NewOrganizationPage,
} from './organization.pages.js';
import { OrganizationPresenter } from './organization.presenter.js';
import { OrganizationService } from './organization.service.js';
import { OrganizationsController } from './organizations.controller.js';
import { OrganizationExportReadModel } from './organization-export.read-model.js';

/** SMEs, their members and invitations. OrganizationService.membershipsOf serves acting as an SME. */
@Module({
  imports: [AuditModule, NotificationsModule],
  controllers: [OrganizationsController, InvitationsController],
  providers: [
    OrganizationExportReadModel,
    OrganizationService,
    OrganizationPresenter,
    InvitationFormPage,
    MembersFormPage,
    InvitationRefusedPage,
    NewOrganizationPage,
    EditOrganizationPage,
  ],
  exports: [OrganizationExportReadModel, OrganizationService, OrganizationPresenter],
})
export class OrganizationsModule {}
