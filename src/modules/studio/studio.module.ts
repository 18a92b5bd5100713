import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { AppConfig } from '../../platform/config/app-config.js';
import { multipartLimits, readMultipart } from '../../platform/http/multipart.js';
import { Sessions } from '../../platform/platform.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { ServiceDocumentsService } from './service-documents.service.js';
import { ServiceRevisionsService } from './service-revisions.service.js';
import { StudioServicesController } from './studio-services.controller.js';
import {
  StudioConfirmPages,
  StudioImportPage,
  StudioNewServicePage,
  StudioServicePage,
  StudioServicesPresenter,
} from './studio-services.presenter.js';
import { StudioController } from './studio.controller.js';
import { StudioPresenter } from './studio.presenter.js';
import { StudioServicesService } from './studio.service.js';

/**
 * The service studio (issue 14): where service designers write and revise the
 * city's services: the list of services and their stages, creating, importing
 * and exporting a service, and each service's page with its revisions.
 */
@Module({
  imports: [CatalogueModule, RolloutModule, StaffModule, AuditModule],
  // StudioController's list first; StudioServicesController's `new` and `import` before its `:slug`.
  controllers: [StudioController, StudioServicesController],
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
