import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { StudioController } from './studio.controller.js';
import { StudioEditorController } from './studio-editor.controller.js';
import {
  StudioDetailsPage,
  StudioEditorPresenter,
  StudioStepPage,
  StudioStepsPage,
} from './studio-editor.presenter.js';
import { StudioEditorService } from './studio-editor.service.js';
import { StudioPresenter } from './studio.presenter.js';
import { ServiceRevisionsService } from './service-revisions.service.js';
import { StudioServicesService } from './studio.service.js';

/**
 * The service studio (issue 14): where service designers write and revise the
 * city's services. Today its front door: the list of services and their stages.
 */
@Module({
  imports: [CatalogueModule, RolloutModule, StaffModule, AuditModule],
  controllers: [StudioController, StudioEditorController],
  providers: [
    StudioServicesService,
    ServiceRevisionsService,
    StudioPresenter,
    StudioEditorService,
    StudioEditorPresenter,
    StudioDetailsPage,
    StudioStepsPage,
    StudioStepPage,
  ],
  exports: [ServiceRevisionsService],
})
export class StudioModule {}
