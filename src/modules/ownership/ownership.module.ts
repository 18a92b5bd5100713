import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { AppConfig } from '../../platform/config/app-config.js';
import { multipartLimits, readMultipart } from '../../platform/http/multipart.js';
import { Sessions } from '../../platform/platform.module.js';
import { OwnershipController } from './ownership.controller.js';
import { EvidencePage, ReviewRequestPage, StaffOrganizationPage } from './ownership.pages.js';
import { OwnershipPresenter } from './ownership.presenter.js';
import { OwnershipReadModel } from './ownership.read-model.js';
import { OwnershipExportReadModel } from './ownership-export.read-model.js';
import { OwnershipService } from './ownership.service.js';
import { StaffOwnershipController } from './staff-ownership.controller.js';

/**
 * Who owns an SME (ADR 0014): owners' evidence, review requests by someone
 * else claiming the NEQ, and the admins' verification queue. It sits above
 * OrganizationsModule and RolloutModule (verifying releases the pilot
 * invitations that waited) and reuses the attachments' file checks and scanner.
 */
@Module({
  imports: [
    AuditModule,
    NotificationsModule,
    OrganizationsModule,
    RolloutModule,
    ApplicationsModule,
    StaffModule,
  ],
  controllers: [OwnershipController, StaffOwnershipController],
  providers: [
    OwnershipExportReadModel,
    OwnershipService,
    OwnershipReadModel,
    OwnershipPresenter,
    ReviewRequestPage,
    EvidencePage,
    StaffOrganizationPage,
  ],
  // The rescan of pending files (VirusScanModule) asks the owner of organization_claim.
  exports: [OwnershipService, OwnershipExportReadModel],
})
export class OwnershipModule implements NestModule {
  constructor(
    private readonly sessions: Sessions,
    private readonly config: AppConfig,
  ) {}

  configure(consumer: MiddlewareConsumer) {
    // The evidence forms are multipart: read before the CSRF guard, which needs `_csrf`,
    // and who sends them is checked before any file byte is read (ADR 0016).
    consumer
      .apply(readMultipart(this.sessions, this.config, multipartLimits(this.config).evidence))
      .forRoutes(
        { path: 'organizations/claims/new', method: RequestMethod.POST },
        { path: 'organizations/:id/verification', method: RequestMethod.POST },
      );
  }
}
