import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysPage } from './api-keys.page.js';
import { ApiKeysPresenter } from './api-keys.presenter.js';
import { ApiKeyIdentityReadModel } from './api-key-identity.read-model.js';
import { ApiKeysReadModel } from './api-keys.read-model.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiDocsController, ApplicationsApiController } from './applications.api.controller.js';
import { ApplicationProcessingService } from './application-processing.service.js';
import { ApplicationsQueueReadModel } from './applications-queue.read-model.js';
import { ApplicationsController } from './applications.controller.js';
import { ApplicationsPresenter } from './applications.presenter.js';
import { ApplicationsReadModel } from './applications.read-model.js';
import { ApplicationsService } from './applications.service.js';
import { AttachmentsService } from './attachments.service.js';
import { BulkFilingController } from './bulk-filing.controller.js';
import { BulkFilingService } from './bulk-filing.service.js';
import { ReceiptService } from './receipt.service.js';
import { JourneyEvents } from './journey-events.js';
import { StaffApplicationPage } from './staff-application.page.js';
import { StaffApplicationsController } from './staff-applications.controller.js';
import { StaffApplicationsPresenter } from './staff-applications.presenter.js';
import { AppConfig } from '../../platform/config/app-config.js';
import { multipartLimits, readMultipart } from '../../platform/http/multipart.js';
import { Sessions } from '../../platform/platform.module.js';
import { DraftRetention } from './draft-retention.js';
import { ApplicationExportReadModel } from './application-export.read-model.js';

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
  controllers: [
    ApplicationsController,
    StaffApplicationsController,
    ApiKeysController,
    ApplicationsApiController,
    ApiDocsController,
    BulkFilingController,
  ],
  providers: [
    ApplicationExportReadModel,
    ApplicationsService,
    ApplicationsReadModel,
    ApplicationsPresenter,
    AttachmentsService,
    ReceiptService,
    ApplicationProcessingService,
    ApplicationsQueueReadModel,
    ApiKeysService,
    ApiKeysReadModel,
    ApiKeyIdentityReadModel,
    BulkFilingService,
    StaffApplicationsPresenter,
    StaffApplicationPage,
    ApiKeysPresenter,
    ApiKeysPage,
    JourneyEvents,
    DraftRetention,
  ],
  exports: [
    ApplicationExportReadModel,
    ApplicationsService,
    ApplicationsReadModel,
    AttachmentsService,
    ReceiptService,
    DraftRetention,
  ],
})
export class ApplicationsModule implements NestModule {
  constructor(
    private readonly sessions: Sessions,
    private readonly config: AppConfig,
  ) {}

  configure(consumer: MiddlewareConsumer) {
    // Multipart forms (step files, bulk CSV) are read before the guards, so the CSRF
    // guard sees `_csrf`; the reader checks the session and `_csrf` before any file.
    const limits = multipartLimits(this.config);
    consumer
      .apply(readMultipart(this.sessions, this.config, limits.step))
      .forRoutes({ path: 'applications/:id/steps/:step', method: RequestMethod.POST });
    consumer
      .apply(readMultipart(this.sessions, this.config, limits.bulk))
      .forRoutes({ path: 'services/:slug/business/bulk', method: RequestMethod.POST });
  }
}
