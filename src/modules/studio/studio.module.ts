import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { StudioController } from './studio.controller.js';
import { StudioFieldsController } from './studio-fields.controller.js';
import { StudioFieldEditPage, StudioFieldNewPage, StudioRulesPage } from './studio-fields.pages.js';
import { StudioFieldsPresenter } from './studio-fields.presenter.js';
import { StudioFieldsService } from './studio-fields.service.js';
import { StudioPresenter } from './studio.presenter.js';
import { ServiceRevisionsService } from './service-revisions.service.js';
import { StudioServicesService } from './studio.service.js';

/**
 * The service studio (issue 14): where service designers write and revise the
 * city's services. Today its front door: the list of services and their stages.
 */
@Module({
  imports: [CatalogueModule, RolloutModule, StaffModule, AuditModule],
  controllers: [StudioController, StudioFieldsController],
  providers: [
    StudioServicesService,
    ServiceRevisionsService,
    StudioPresenter,
    StudioFieldsService,
    StudioFieldsPresenter,
    StudioFieldNewPage,
    StudioFieldEditPage,
    StudioRulesPage,
  ],
  exports: [ServiceRevisionsService],
})
export class StudioModule {}
