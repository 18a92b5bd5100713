import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { AppConfig } from '../../platform/config/app-config.js';
import { multipartLimits, readMultipart } from '../../platform/http/multipart.js';
import { Sessions } from '../../platform/platform.module.js';
import { ApplicationsModule } from '../applications/applications.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { RevisionComparisonService } from './revision-comparison.service.js';
import { ServiceDocumentsService } from './service-documents.service.js';
import { ServiceRevisionsService } from './service-revisions.service.js';
import { StudioChecksController } from './studio-checks.controller.js';
import { StudioChecksPage } from './studio-checks.page.js';
import { StudioChecksPresenter } from './studio-checks.presenter.js';
import { StudioComparisonController } from './studio-comparison.controller.js';
import { StudioComparisonPage } from './studio-comparison.page.js';
import { StudioServicesController } from './studio-services.controller.js';
import {
  StudioConfirmPages,
  StudioImportPage,
  StudioNewServicePage,
  StudioServicePage,
  StudioServicesPresenter,
} from './studio-services.presenter.js';
import { StudioController } from './studio.controller.js';
import { StudioPreviewController } from './studio-preview.controller.js';
import { StudioPreviewPresenter } from './studio-preview.presenter.js';
import { StudioPreviewService } from './studio-preview.service.js';
import { StudioEditorController } from './studio-editor.controller.js';
import {
  StudioDetailsPage,
  StudioEditorPresenter,
  StudioStepPage,
  StudioStepsPage,
} from './studio-editor.presenter.js';
import { StudioEditorService } from './studio-editor.service.js';
import { StudioFieldsController } from './studio-fields.controller.js';
import { StudioFieldEditPage, StudioFieldNewPage, StudioRulesPage } from './studio-fields.pages.js';
import { StudioFieldsPresenter } from './studio-fields.presenter.js';
import { StudioFieldsService } from './studio-fields.service.js';
import { StudioPresenter } from './studio.presenter.js';
import { StudioServicesService } from './studio.service.js';

/**
 * The service studio (issue 14): where service designers write and revise the
 * city's services: the list of services and their stages, creating, importing
 * and exporting a service, each service's page with its revisions, the checks
 * before a revision is marked ready, and comparing two revisions.
 */
@Module({
  imports: [CatalogueModule, RolloutModule, StaffModule, AuditModule, ApplicationsModule],
  // The list first; StudioServicesController's `new` and `import` before its `:slug`.
  controllers: [
    StudioController,
    StudioServicesController,
    StudioChecksController,
    StudioComparisonController,
    StudioPreviewController,
    StudioEditorController,
    StudioFieldsController,
  ],
  providers: [
    StudioServicesService,
    ServiceRevisionsService,
    ServiceDocumentsService,
    StudioPresenter,
    StudioServicesPresenter,
    StudioServicePage,
    StudioNewServicePage,
    StudioImportPage,
    StudioConfirmPages,
    StudioChecksPresenter,
    StudioChecksPage,
    RevisionComparisonService,
    StudioComparisonPage,
    StudioPreviewService,
    StudioPreviewPresenter,
    StudioEditorService,
    StudioEditorPresenter,
    StudioDetailsPage,
    StudioStepsPage,
    StudioStepPage,
    StudioFieldsService,
    StudioFieldsPresenter,
    StudioFieldNewPage,
    StudioFieldEditPage,
    StudioRulesPage,
  ],
  exports: [ServiceRevisionsService],
})
export class StudioModule implements NestModule {
  constructor(
    private readonly sessions: Sessions,
    private readonly config: AppConfig,
  ) {}

  configure(consumer: MiddlewareConsumer) {
    // The import form is multipart: read before the guards, so the CSRF guard sees `_csrf`.
    consumer
      .apply(readMultipart(this.sessions, this.config, multipartLimits(this.config).serviceImport))
      .forRoutes({ path: 'staff/services/import', method: RequestMethod.POST });
  }
}
